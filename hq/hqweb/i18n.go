package hqweb

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// The dashboard speaks English, German and Spanish: ?lang= or the browser's
// Accept-Language.
type langCode string

type dict struct {
	code langCode
	m    map[string]string
}

// Code is the page's lang attribute.
func (d dict) Code() string { return string(d.code) }

func (d dict) t(k string) string {
	if v, ok := d.m[k]; ok {
		return v
	}
	if v, ok := dicts["en"][k]; ok {
		return v
	}
	return k
}

func lang(c *fiber.Ctx) dict {
	code := c.Query("lang")
	if _, ok := dicts[code]; !ok {
		code = "en"
		for _, part := range strings.Split(c.Get(fiber.HeaderAcceptLanguage), ",") {
			tag := strings.ToLower(strings.TrimSpace(strings.SplitN(strings.SplitN(part, ";", 2)[0], "-", 2)[0]))
			if _, ok := dicts[tag]; ok {
				code = tag
				break
			}
		}
	}
	return dict{code: langCode(code), m: dicts[code]}
}

var dicts = map[string]map[string]string{
	"en": {
		"title": "Kiosk HQ", "store": "Store", "chain": "all stores", "logout": "Log out", "days": "Days", "show": "Show", "kpis": "Key figures",
		"login.name": "Name", "login.password": "Password", "login.submit": "Log in", "login.bad": "Name or password is wrong.", "lang": "Language",
		"kpi.transactions": "Transactions", "kpi.paid": "paid", "kpi.cancelled": "cancelled", "kpi.sales": "Sales",
		"kpi.assist": "Assist rate", "kpi.assist.hint": "transactions with a staff intervention", "kpi.per100": "Interventions per 100 transactions",
		"kpi.ttr": "Time to resolution", "kpi.ttr.hint": "median / 90th percentile", "kpi.deflection": "Self-help deflection",
		"kpi.effort": "Ease of checkout", "kpi.answers": "answers", "kpi.ipm": "Items per minute", "kpi.duration": "Transaction duration",
		"chart.sales": "Sales per day", "chart.assist": "Assist rate per day (%)", "chart.reasons": "Interventions per 100 transactions by reason",
		"chart.hours": "Sales by hour of day", "lanes": "Lanes: sync and health", "lanes.lane": "Lane", "lanes.seen": "Last heard",
		"lanes.backlog": "Backlog (oldest)", "lanes.catalog": "Catalog version", "lanes.alerts": "Open alerts", "lanes.devices": "Devices",
		"lanes.allok": "all ok", "lanes.none": "No lane has reported yet.", "api": "Pull API:",
	},
	"de": {
		"title": "Kiosk-Zentrale", "store": "Filiale", "chain": "alle Filialen", "logout": "Abmelden", "days": "Tage", "show": "Anzeigen", "kpis": "Kennzahlen",
		"login.name": "Name", "login.password": "Passwort", "login.submit": "Anmelden", "login.bad": "Name oder Passwort ist falsch.", "lang": "Sprache",
		"kpi.transactions": "Einkäufe", "kpi.paid": "bezahlt", "kpi.cancelled": "abgebrochen", "kpi.sales": "Umsatz",
		"kpi.assist": "Assistenzquote", "kpi.assist.hint": "Einkäufe mit Eingriff des Personals", "kpi.per100": "Eingriffe je 100 Einkäufe",
		"kpi.ttr": "Zeit bis zur Lösung", "kpi.ttr.hint": "Median / 90. Perzentil", "kpi.deflection": "Selbsthilfe ohne Personal",
		"kpi.effort": "Einfachheit des Bezahlens", "kpi.answers": "Antworten", "kpi.ipm": "Artikel pro Minute", "kpi.duration": "Dauer eines Einkaufs",
		"chart.sales": "Umsatz pro Tag", "chart.assist": "Assistenzquote pro Tag (%)", "chart.reasons": "Eingriffe je 100 Einkäufe nach Grund",
		"chart.hours": "Umsatz nach Tageszeit", "lanes": "Kassen: Übertragung und Zustand", "lanes.lane": "Kasse", "lanes.seen": "Zuletzt gemeldet",
		"lanes.backlog": "Rückstand (ältestes)", "lanes.catalog": "Katalogversion", "lanes.alerts": "Offene Meldungen", "lanes.devices": "Geräte",
		"lanes.allok": "alle in Ordnung", "lanes.none": "Noch keine Kasse hat sich gemeldet.", "api": "Abruf-API:",
	},
	"es": {
		"title": "Central de cajas", "store": "Tienda", "chain": "todas las tiendas", "logout": "Cerrar sesión", "days": "Días", "show": "Mostrar", "kpis": "Indicadores",
		"login.name": "Nombre", "login.password": "Contraseña", "login.submit": "Entrar", "login.bad": "El nombre o la contraseña no son correctos.", "lang": "Idioma",
		"kpi.transactions": "Compras", "kpi.paid": "pagadas", "kpi.cancelled": "canceladas", "kpi.sales": "Ventas",
		"kpi.assist": "Tasa de asistencia", "kpi.assist.hint": "compras con intervención del personal", "kpi.per100": "Intervenciones por 100 compras",
		"kpi.ttr": "Tiempo de resolución", "kpi.ttr.hint": "mediana / percentil 90", "kpi.deflection": "Autoayuda sin personal",
		"kpi.effort": "Facilidad de pago", "kpi.answers": "respuestas", "kpi.ipm": "Artículos por minuto", "kpi.duration": "Duración de una compra",
		"chart.sales": "Ventas por día", "chart.assist": "Tasa de asistencia por día (%)", "chart.reasons": "Intervenciones por 100 compras según motivo",
		"chart.hours": "Ventas por hora del día", "lanes": "Cajas: sincronización y estado", "lanes.lane": "Caja", "lanes.seen": "Último contacto",
		"lanes.backlog": "Pendiente (más antiguo)", "lanes.catalog": "Versión del catálogo", "lanes.alerts": "Avisos abiertos", "lanes.devices": "Dispositivos",
		"lanes.allok": "todo bien", "lanes.none": "Ninguna caja ha informado todavía.", "api": "API de consulta:",
	},
}
