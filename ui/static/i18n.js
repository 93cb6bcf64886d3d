// i18n.js — every string of the shopper and simulator pages in English, German
// and Spanish, plus locale-aware formatting of money, weights and VAT rates.
// Plain script (no modules, no build step); exposes window.KioskI18n.
"use strict";

(function () {
  const STRINGS = {
    en: {
      "app.title": "Self-checkout",
      "header.lane": "Lane {lane}",
      "lang.switch": "Language",
      "help.button": "Help",
      "help.pending": "Help is on the way",
      "conn.online": "Online",
      "conn.offline": "Offline — reconnecting…",
      "conn.connecting": "Connecting…",

      "welcome.title": "Welcome",
      "welcome.text": "Scan your first item or touch Start",
      "welcome.start": "Start",

      "basket.title": "Your items",
      "basket.empty": "Your basket is empty. Scan an item to begin.",
      "col.item": "Item",
      "col.qty": "Quantity",
      "col.amount": "Amount",
      "col.change": "Change",
      "line.more": "One more {name}",
      "line.less": "One fewer {name}",
      "line.remove": "Remove",
      "line.removeLabel": "Remove {name}",
      "line.voided": "Removed",
      "line.each": "× {price}",
      "line.weight": "{weight} kg × {price}/kg",
      "line.label": "Price from label",
      "line.labelWeight": "{weight} kg, price from label",
      "line.age": "Age check {age}+",
      "line.number": "item {n}",

      "totals.title": "Summary",
      "totals.total": "Total",
      "totals.items": "Items",
      "items.one": "{n} item",
      "items.other": "{n} items",
      "vat.caption": "VAT breakdown",
      "vat.rate": "VAT rate",
      "vat.net": "Net",
      "vat.tax": "VAT",
      "vat.gross": "Gross",

      "entry.title": "Type barcode",
      "entry.placeholder": "Barcode no.",
      "entry.submit": "Add",

      "produce.button": "Fruit & vegetables",
      "produce.title": "Fruit & vegetables",
      "produce.filter": "Search…",
      "produce.close": "Close",
      "produce.loading": "Loading…",
      "produce.none": "Nothing found",
      "produce.perKg": "{price}/kg",
      "weight.title": "Weigh: {name}",
      "weight.label": "Weight in grams",
      "weight.hint": "Put the item on the scale. Until the scale is connected, enter the weight here.",
      "weight.submit": "Add to basket",
      "weight.back": "Back",

      "actions.pay": "Pay",
      "actions.cancel": "Cancel purchase",

      "pay.title": "Ready to pay",
      "pay.total": "Amount due",
      "pay.terminal": "Card payment is coming soon: a card terminal will be added to this checkout.",
      "pay.resume": "Back to scanning",

      "alert.item_not_found": "This item wasn't found. A staff member is coming.",
      "alert.void_request": "A staff member is coming to remove {name} from your basket.",
      "alert.void_request_qty": "A staff member is coming to change {name} from {from} to {to}.",
      "alert.cancel_request": "A staff member is coming to confirm cancelling your purchase.",
      "alert.age_check": "An attendant will check your age before you pay.",
      "alert.age_check_min": "An attendant will check your age ({age}+) before you pay.",
      "alert.help": "Help is on the way. A staff member is coming.",
      "alert.other": "A staff member is coming to help you.",
      "alert.paused": "Scanning is paused until then.",
      "alert.code": "Barcode: {code}",

      "state.idle": "Waiting for a shopper",
      "state.shopping": "Scanning",
      "state.suspended": "Waiting for staff",
      "state.ready_to_pay": "Ready to pay",

      "footer.sim": "Demo: simulated devices",
      "footer.journal": "Journal (debug)",

      "sim.title": "Simulated devices",
      "sim.back": "← Shopper screen",
      "sim.search": "Search products or codes",
      "sim.items": "Products",
      "sim.samples": "Special labels",
      "sim.samplesHint": "Weight- and price-embedded labels, GS1 DataBar and misreads.",
      "sim.scan": "Scan",
      "sim.weigh": "Put on scale",
      "sim.grams": "Grams",
      "sim.basket": "Basket",
      "sim.lane": "Lane status",
      "sim.soldByWeight": "sold by weight",
      "sim.okScan": "Scanned {code}",
      "sim.okWeigh": "On the scale: {name}, {grams} g",
      "sim.replayed": "(repeated request, not added again)",
      "sim.result": "Result",
      "sim.noResult": "Click Scan or Put on scale — the shopper screen updates live.",
      "sim.none": "No products match.",
      "sim.loading": "Loading…",
      "sim.demoOnly": "Simulated devices are available in demo mode only.",
      "sim.error": "Error: {message}",

      "err.generic": "Something went wrong. Please try again or press Help.",
      "err.scan": "That didn't scan properly — please scan again.",
      "err.scan.empty": "Nothing was scanned — please scan the barcode again.",
      "err.scan.too_long": "That didn't scan properly — the code was too long. Please scan again.",
      "err.scan.control_byte": "That didn't scan properly — the code contained invalid control characters. Please scan again.",
      "err.scan.non_ascii": "That didn't scan properly — the code contained unexpected characters. Please scan again.",
      "err.scan.check_digit": "That didn't scan properly — the check digit doesn't match. Please scan again or type the number carefully.",
      "err.scan.unknown_format": "That didn't scan properly — this isn't a product barcode we know. Please scan the product's main barcode.",
      "err.scan.bad_element_string": "That didn't scan properly — the label's data couldn't be read. Please scan again.",
      "err.scan.bad_rcn": "That didn't scan properly — the price or weight label doesn't add up. Please scan again or press Help.",
      "err.scan.needs_weight": "This item is sold by weight. Put it on the scale and choose it under Fruit & vegetables.",
      "err.lane.suspended": "Please wait — a staff member is on the way. Scanning is paused until then.",
      "err.lane.closed": "This checkout is closing. Please use another checkout.",
      "err.lane.storage": "This checkout had a problem and nothing was changed. Please try again or press Help.",
      "err.txn.none": "There's no purchase in progress. Scan an item to start.",
      "err.line.not_found": "That item is no longer in your basket.",
      "err.line.fixed_qty": "The quantity of weighed or labelled items can't be changed. Remove the item and add it again.",
      "err.checkout.empty": "Your basket is empty. Please scan an item first.",
      "err.checkout.age_check": "An attendant needs to check your age before you can pay.",
      "err.plu.not_found": "This product couldn't be found. Please choose again or press Help.",
      "err.plu.not_weighed": "This product is sold per piece. Please scan its barcode.",
      "err.request": "That request wasn't valid. Please try again.",
      "err.request.weight": "Please enter a weight between 1 g and 30 kg.",
      "err.http": "The checkout couldn't handle that right now. Please try again or press Help.",
      "err.http.network": "No connection to the checkout. Please try again in a moment."
    },

    de: {
      "app.title": "Selbstbedienungskasse",
      "header.lane": "Kasse {lane}",
      "lang.switch": "Sprache",
      "help.button": "Hilfe",
      "help.pending": "Hilfe ist unterwegs",
      "conn.online": "Verbunden",
      "conn.offline": "Keine Verbindung – verbinde neu…",
      "conn.connecting": "Verbinde…",

      "welcome.title": "Willkommen",
      "welcome.text": "Scannen Sie Ihren ersten Artikel oder tippen Sie auf Start",
      "welcome.start": "Start",

      "basket.title": "Ihre Artikel",
      "basket.empty": "Ihr Warenkorb ist leer. Scannen Sie einen Artikel, um zu beginnen.",
      "col.item": "Artikel",
      "col.qty": "Menge",
      "col.amount": "Betrag",
      "col.change": "Ändern",
      "line.more": "Noch einmal {name}",
      "line.less": "Einmal weniger {name}",
      "line.remove": "Entfernen",
      "line.removeLabel": "{name} entfernen",
      "line.voided": "Entfernt",
      "line.each": "× {price}",
      "line.weight": "{weight} kg × {price}/kg",
      "line.label": "Preis laut Etikett",
      "line.labelWeight": "{weight} kg, Preis laut Etikett",
      "line.age": "Altersprüfung {age}+",
      "line.number": "Artikel {n}",

      "totals.title": "Übersicht",
      "totals.total": "Summe",
      "totals.items": "Artikel",
      "items.one": "{n} Artikel",
      "items.other": "{n} Artikel",
      "vat.caption": "Aufstellung der MwSt.",
      "vat.rate": "MwSt.-Satz",
      "vat.net": "Netto",
      "vat.tax": "MwSt.",
      "vat.gross": "Brutto",

      "entry.title": "Barcode eintippen",
      "entry.placeholder": "Barcode-Nr.",
      "entry.submit": "Hinzufügen",

      "produce.button": "Obst & Gemüse",
      "produce.title": "Obst & Gemüse",
      "produce.filter": "Suchen…",
      "produce.close": "Schließen",
      "produce.loading": "Wird geladen…",
      "produce.none": "Nichts gefunden",
      "produce.perKg": "{price}/kg",
      "weight.title": "Wiegen: {name}",
      "weight.label": "Gewicht in Gramm",
      "weight.hint": "Legen Sie den Artikel auf die Waage. Solange die Waage noch nicht angeschlossen ist, geben Sie das Gewicht hier ein.",
      "weight.submit": "In den Warenkorb",
      "weight.back": "Zurück",

      "actions.pay": "Bezahlen",
      "actions.cancel": "Einkauf abbrechen",

      "pay.title": "Bereit zum Bezahlen",
      "pay.total": "Zu zahlen",
      "pay.terminal": "Kartenzahlung folgt in Kürze: An dieser Kasse wird noch ein Kartenterminal angeschlossen.",
      "pay.resume": "Zurück zum Scannen",

      "alert.item_not_found": "Dieser Artikel wurde nicht gefunden. Ein Mitarbeiter kommt gleich.",
      "alert.void_request": "Ein Mitarbeiter kommt gleich, um {name} aus Ihrem Warenkorb zu entfernen.",
      "alert.void_request_qty": "Ein Mitarbeiter kommt gleich, um die Menge von {name} von {from} auf {to} zu ändern.",
      "alert.cancel_request": "Ein Mitarbeiter kommt gleich, um den Abbruch Ihres Einkaufs zu bestätigen.",
      "alert.age_check": "Vor dem Bezahlen prüft ein Mitarbeiter Ihr Alter.",
      "alert.age_check_min": "Vor dem Bezahlen prüft ein Mitarbeiter Ihr Alter ({age}+).",
      "alert.help": "Hilfe ist unterwegs. Ein Mitarbeiter kommt gleich.",
      "alert.other": "Ein Mitarbeiter kommt gleich, um Ihnen zu helfen.",
      "alert.paused": "Bis dahin ist das Scannen pausiert.",
      "alert.code": "Barcode: {code}",

      "state.idle": "Wartet auf Kunden",
      "state.shopping": "Scannen",
      "state.suspended": "Wartet auf Personal",
      "state.ready_to_pay": "Bereit zum Bezahlen",

      "footer.sim": "Demo: simulierte Geräte",
      "footer.journal": "Journal (Debug)",

      "sim.title": "Simulierte Geräte",
      "sim.back": "← Kundenbildschirm",
      "sim.search": "Produkte oder Codes suchen",
      "sim.items": "Produkte",
      "sim.samples": "Spezielle Etiketten",
      "sim.samplesHint": "Etiketten mit Gewicht oder Preis, GS1 DataBar und Fehllesungen.",
      "sim.scan": "Scannen",
      "sim.weigh": "Auf die Waage legen",
      "sim.grams": "Gramm",
      "sim.basket": "Warenkorb",
      "sim.lane": "Kassenstatus",
      "sim.soldByWeight": "nach Gewicht",
      "sim.okScan": "Gescannt: {code}",
      "sim.okWeigh": "Auf der Waage: {name}, {grams} g",
      "sim.replayed": "(wiederholte Anfrage, nicht erneut hinzugefügt)",
      "sim.result": "Ergebnis",
      "sim.noResult": "Klicken Sie auf „Scannen“ oder „Auf die Waage legen“ – der Kundenbildschirm aktualisiert sich sofort.",
      "sim.none": "Keine passenden Produkte.",
      "sim.loading": "Wird geladen…",
      "sim.demoOnly": "Simulierte Geräte gibt es nur im Demo-Modus.",
      "sim.error": "Fehler: {message}",

      "err.generic": "Etwas ist schiefgelaufen. Bitte versuchen Sie es noch einmal oder rufen Sie Hilfe.",
      "err.scan": "Der Scan hat nicht geklappt – bitte scannen Sie noch einmal.",
      "err.scan.empty": "Es wurde nichts gescannt – bitte scannen Sie den Barcode noch einmal.",
      "err.scan.too_long": "Der Scan hat nicht geklappt – der Code ist zu lang. Bitte scannen Sie noch einmal.",
      "err.scan.control_byte": "Der Scan hat nicht geklappt – der Code enthält ungültige Steuerzeichen. Bitte scannen Sie noch einmal.",
      "err.scan.non_ascii": "Der Scan hat nicht geklappt – der Code enthält unerwartete Zeichen. Bitte scannen Sie noch einmal.",
      "err.scan.check_digit": "Der Scan hat nicht geklappt – die Prüfziffer stimmt nicht. Bitte scannen Sie noch einmal oder tippen Sie die Nummer sorgfältig ein.",
      "err.scan.unknown_format": "Der Scan hat nicht geklappt – diesen Code kennen wir nicht. Bitte scannen Sie den Hauptbarcode des Produkts.",
      "err.scan.bad_element_string": "Der Scan hat nicht geklappt – die Daten auf dem Etikett sind nicht lesbar. Bitte scannen Sie noch einmal.",
      "err.scan.bad_rcn": "Der Scan hat nicht geklappt – das Preis- oder Gewichtsetikett ist fehlerhaft. Bitte scannen Sie noch einmal oder rufen Sie Hilfe.",
      "err.scan.needs_weight": "Dieser Artikel wird nach Gewicht verkauft. Legen Sie ihn auf die Waage und wählen Sie ihn unter „Obst & Gemüse“ aus.",
      "err.lane.suspended": "Bitte warten Sie – ein Mitarbeiter ist unterwegs. Bis dahin ist das Scannen pausiert.",
      "err.lane.closed": "Diese Kasse wird gerade geschlossen. Bitte nutzen Sie eine andere Kasse.",
      "err.lane.storage": "An dieser Kasse ist ein Fehler aufgetreten, es wurde nichts geändert. Bitte versuchen Sie es noch einmal oder rufen Sie Hilfe.",
      "err.txn.none": "Es läuft gerade kein Einkauf. Scannen Sie einen Artikel, um zu beginnen.",
      "err.line.not_found": "Dieser Artikel ist nicht mehr in Ihrem Warenkorb.",
      "err.line.fixed_qty": "Bei gewogenen oder etikettierten Artikeln lässt sich die Menge nicht ändern. Entfernen Sie den Artikel und fügen Sie ihn neu hinzu.",
      "err.checkout.empty": "Ihr Warenkorb ist leer. Bitte scannen Sie zuerst einen Artikel.",
      "err.checkout.age_check": "Vor dem Bezahlen muss ein Mitarbeiter Ihr Alter prüfen.",
      "err.plu.not_found": "Dieses Produkt wurde nicht gefunden. Bitte wählen Sie erneut oder rufen Sie Hilfe.",
      "err.plu.not_weighed": "Dieses Produkt wird pro Stück verkauft. Bitte scannen Sie seinen Barcode.",
      "err.request": "Diese Anfrage war ungültig. Bitte versuchen Sie es noch einmal.",
      "err.request.weight": "Bitte geben Sie ein Gewicht zwischen 1 g und 30 kg ein.",
      "err.http": "Die Kasse konnte das gerade nicht verarbeiten. Bitte versuchen Sie es noch einmal oder rufen Sie Hilfe.",
      "err.http.network": "Keine Verbindung zur Kasse. Bitte versuchen Sie es gleich noch einmal."
    },

    es: {
      "app.title": "Caja de autoservicio",
      "header.lane": "Caja {lane}",
      "lang.switch": "Idioma",
      "help.button": "Ayuda",
      "help.pending": "La ayuda está en camino",
      "conn.online": "Conectado",
      "conn.offline": "Sin conexión – reconectando…",
      "conn.connecting": "Conectando…",

      "welcome.title": "Bienvenido",
      "welcome.text": "Escanee su primer artículo o toque Iniciar",
      "welcome.start": "Iniciar",

      "basket.title": "Sus artículos",
      "basket.empty": "Su cesta está vacía. Escanee un artículo para empezar.",
      "col.item": "Artículo",
      "col.qty": "Cantidad",
      "col.amount": "Importe",
      "col.change": "Cambiar",
      "line.more": "Una unidad más de {name}",
      "line.less": "Una unidad menos de {name}",
      "line.remove": "Quitar",
      "line.removeLabel": "Quitar {name}",
      "line.voided": "Retirado",
      "line.each": "× {price}",
      "line.weight": "{weight} kg × {price}/kg",
      "line.label": "Precio según etiqueta",
      "line.labelWeight": "{weight} kg, precio según etiqueta",
      "line.age": "Control de edad {age}+",
      "line.number": "artículo {n}",

      "totals.title": "Resumen",
      "totals.total": "Total",
      "totals.items": "Artículos",
      "items.one": "{n} artículo",
      "items.other": "{n} artículos",
      "vat.caption": "Desglose del IVA",
      "vat.rate": "Tipo de IVA",
      "vat.net": "Neto",
      "vat.tax": "IVA",
      "vat.gross": "Bruto",

      "entry.title": "Teclear código de barras",
      "entry.placeholder": "N.º de código",
      "entry.submit": "Añadir",

      "produce.button": "Frutas y verduras",
      "produce.title": "Frutas y verduras",
      "produce.filter": "Buscar…",
      "produce.close": "Cerrar",
      "produce.loading": "Cargando…",
      "produce.none": "No se ha encontrado nada",
      "produce.perKg": "{price}/kg",
      "weight.title": "Pesar: {name}",
      "weight.label": "Peso en gramos",
      "weight.hint": "Coloque el artículo en la báscula. Mientras la báscula no esté conectada, introduzca aquí el peso.",
      "weight.submit": "Añadir a la cesta",
      "weight.back": "Atrás",

      "actions.pay": "Pagar",
      "actions.cancel": "Cancelar compra",

      "pay.title": "Listo para pagar",
      "pay.total": "Importe a pagar",
      "pay.terminal": "El pago con tarjeta llegará pronto: se añadirá un terminal de tarjetas a esta caja.",
      "pay.resume": "Volver a escanear",

      "alert.item_not_found": "No se ha encontrado este artículo. Un empleado viene enseguida.",
      "alert.void_request": "Un empleado viene enseguida para quitar {name} de su cesta.",
      "alert.void_request_qty": "Un empleado viene enseguida para cambiar la cantidad de {name} de {from} a {to}.",
      "alert.cancel_request": "Un empleado viene enseguida para confirmar la cancelación de su compra.",
      "alert.age_check": "Un empleado comprobará su edad antes de pagar.",
      "alert.age_check_min": "Un empleado comprobará su edad ({age}+) antes de pagar.",
      "alert.help": "La ayuda está en camino. Un empleado viene enseguida.",
      "alert.other": "Un empleado viene enseguida para ayudarle.",
      "alert.paused": "Mientras tanto, el escaneo está en pausa.",
      "alert.code": "Código: {code}",

      "state.idle": "Esperando a un cliente",
      "state.shopping": "Escaneando",
      "state.suspended": "Esperando al personal",
      "state.ready_to_pay": "Listo para pagar",

      "footer.sim": "Demo: dispositivos simulados",
      "footer.journal": "Registro (depuración)",

      "sim.title": "Dispositivos simulados",
      "sim.back": "← Pantalla del cliente",
      "sim.search": "Buscar productos o códigos",
      "sim.items": "Productos",
      "sim.samples": "Etiquetas especiales",
      "sim.samplesHint": "Etiquetas con peso o precio, GS1 DataBar y lecturas erróneas.",
      "sim.scan": "Escanear",
      "sim.weigh": "Poner en la báscula",
      "sim.grams": "Gramos",
      "sim.basket": "Cesta",
      "sim.lane": "Estado de la caja",
      "sim.soldByWeight": "al peso",
      "sim.okScan": "Escaneado: {code}",
      "sim.okWeigh": "En la báscula: {name}, {grams} g",
      "sim.replayed": "(solicitud repetida, no se ha añadido de nuevo)",
      "sim.result": "Resultado",
      "sim.noResult": "Pulse «Escanear» o «Poner en la báscula»: la pantalla del cliente se actualiza al instante.",
      "sim.none": "Ningún producto coincide.",
      "sim.loading": "Cargando…",
      "sim.demoOnly": "Los dispositivos simulados solo están disponibles en modo demo.",
      "sim.error": "Error: {message}",

      "err.generic": "Algo ha salido mal. Inténtelo de nuevo o pida ayuda.",
      "err.scan": "No se ha leído bien – por favor, escanee de nuevo.",
      "err.scan.empty": "No se ha escaneado nada – por favor, escanee de nuevo el código de barras.",
      "err.scan.too_long": "No se ha leído bien – el código es demasiado largo. Por favor, escanee de nuevo.",
      "err.scan.control_byte": "No se ha leído bien – el código contiene caracteres de control no válidos. Por favor, escanee de nuevo.",
      "err.scan.non_ascii": "No se ha leído bien – el código contiene caracteres inesperados. Por favor, escanee de nuevo.",
      "err.scan.check_digit": "No se ha leído bien – el dígito de control no coincide. Escanee de nuevo o teclee el número con cuidado.",
      "err.scan.unknown_format": "No se ha leído bien – no reconocemos este código. Escanee el código de barras principal del producto.",
      "err.scan.bad_element_string": "No se ha leído bien – no se pueden leer los datos de la etiqueta. Por favor, escanee de nuevo.",
      "err.scan.bad_rcn": "No se ha leído bien – la etiqueta de precio o de peso no es correcta. Escanee de nuevo o pida ayuda.",
      "err.scan.needs_weight": "Este artículo se vende al peso. Colóquelo en la báscula y selecciónelo en «Frutas y verduras».",
      "err.lane.suspended": "Espere, por favor: un empleado está en camino. Mientras tanto, el escaneo está en pausa.",
      "err.lane.closed": "Esta caja se está cerrando. Por favor, utilice otra caja.",
      "err.lane.storage": "Esta caja ha tenido un problema y no se ha cambiado nada. Inténtelo de nuevo o pida ayuda.",
      "err.txn.none": "No hay ninguna compra en curso. Escanee un artículo para empezar.",
      "err.line.not_found": "Ese artículo ya no está en su cesta.",
      "err.line.fixed_qty": "La cantidad de los artículos pesados o etiquetados no se puede cambiar. Quite el artículo y vuelva a añadirlo.",
      "err.checkout.empty": "Su cesta está vacía. Escanee primero un artículo.",
      "err.checkout.age_check": "Un empleado debe comprobar su edad antes de que pueda pagar.",
      "err.plu.not_found": "No se ha encontrado este producto. Elija de nuevo o pida ayuda.",
      "err.plu.not_weighed": "Este producto se vende por unidades. Escanee su código de barras.",
      "err.request": "La solicitud no es válida. Inténtelo de nuevo.",
      "err.request.weight": "Introduzca un peso entre 1 g y 30 kg.",
      "err.http": "La caja no ha podido procesarlo ahora. Inténtelo de nuevo o pida ayuda.",
      "err.http.network": "No hay conexión con la caja. Inténtelo de nuevo en un momento."
    }
  };

  // Endonyms: each language is named in itself on the switch.
  const LANG_NAMES = { en: "English", de: "Deutsch", es: "Español" };
  const DEFAULT_LANG = "en";

  function norm(lang) {
    return Object.prototype.hasOwnProperty.call(STRINGS, lang) ? lang : DEFAULT_LANG;
  }

  function has(lang, key) {
    return Object.prototype.hasOwnProperty.call(STRINGS[norm(lang)], key);
  }

  // t returns the string for key in lang (falling back to English, then the key)
  // with {name} placeholders replaced by vars.name.
  function t(lang, key, vars) {
    const d = STRINGS[norm(lang)];
    let s = Object.prototype.hasOwnProperty.call(d, key) ? d[key] : STRINGS[DEFAULT_LANG][key];
    if (s === undefined) return key;
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, (m, k) => (Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m));
    }
    return s;
  }

  // plural picks key.one / key.other with {n}.
  function plural(lang, key, n) {
    let cat = "other";
    try {
      cat = new Intl.PluralRules(norm(lang)).select(n);
    } catch (e) { /* keep "other" */ }
    const k = has(lang, key + "." + cat) ? key + "." + cat : key + ".other";
    return t(lang, k, { n: formatInt(lang, n) });
  }

  // errorMessage turns a server error code into a friendly sentence. Unknown
  // codes fall back to the server's message, then a generic sentence.
  function errorMessage(lang, code, serverMessage) {
    if (code) {
      if (has(lang, "err." + code)) return t(lang, "err." + code);
      const family = String(code).split(".")[0];
      if (family === "scan" || family === "request" || family === "http") return t(lang, "err." + family);
    }
    if (serverMessage) return String(serverMessage);
    return t(lang, "err.generic");
  }

  const fmtCache = new Map();
  function nf(lang, opts) {
    const key = norm(lang) + JSON.stringify(opts);
    let f = fmtCache.get(key);
    if (!f) {
      try {
        f = new Intl.NumberFormat(norm(lang), opts);
      } catch (e) {
        f = null;
      }
      fmtCache.set(key, f);
    }
    return f;
  }

  // money formats a decimal string ("12.34") in the language's currency style.
  // The number is for display only; all arithmetic happens on the server.
  function money(lang, currency, amount) {
    const n = Number(amount);
    if (amount === undefined || amount === null || amount === "" || !Number.isFinite(n)) return "–";
    const f = nf(lang, { style: "currency", currency: currency || "EUR" });
    return f ? f.format(n) : String(amount) + " " + (currency || "");
  }

  // weightKg formats grams as kilograms with three decimals ("1.250").
  function weightKg(lang, grams) {
    const n = Number(grams) / 1000;
    const f = nf(lang, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
    return f ? f.format(n) : n.toFixed(3);
  }

  // percent formats a VAT rate given in percent ("19", "5.5") as "19 %" / "19%".
  function percent(lang, rate) {
    const n = Number(rate);
    if (!Number.isFinite(n)) return String(rate) + " %";
    const f = nf(lang, { style: "percent", maximumFractionDigits: 2 });
    return f ? f.format(n / 100) : String(rate) + " %";
  }

  function formatInt(lang, n) {
    const f = nf(lang, { maximumFractionDigits: 0 });
    return f ? f.format(n) : String(n);
  }

  // apply translates the static markup below root: data-i18n (text),
  // data-i18n-placeholder, data-i18n-aria-label and data-i18n-title.
  function apply(root, lang) {
    const scope = root || document;
    scope.querySelectorAll("[data-i18n]").forEach((el) => {
      el.textContent = t(lang, el.getAttribute("data-i18n"));
    });
    scope.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
      el.setAttribute("placeholder", t(lang, el.getAttribute("data-i18n-placeholder")));
    });
    scope.querySelectorAll("[data-i18n-aria-label]").forEach((el) => {
      el.setAttribute("aria-label", t(lang, el.getAttribute("data-i18n-aria-label")));
    });
    scope.querySelectorAll("[data-i18n-title]").forEach((el) => {
      el.setAttribute("title", t(lang, el.getAttribute("data-i18n-title")));
    });
  }

  // name picks a product's name in lang from a names object {en,de,es}.
  function name(lang, names, fallback) {
    if (names && typeof names === "object") {
      const v = names[norm(lang)] || names[DEFAULT_LANG];
      if (v) return String(v);
      for (const k of Object.keys(names)) if (names[k]) return String(names[k]);
    }
    return fallback === undefined ? "" : String(fallback);
  }

  window.KioskI18n = {
    STRINGS,
    LANG_NAMES,
    DEFAULT_LANG,
    norm,
    has,
    t,
    plural,
    errorMessage,
    money,
    weightKg,
    percent,
    formatInt,
    apply,
    name
  };
})();
