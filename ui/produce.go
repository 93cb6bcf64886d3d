package ui

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"github.com/kiosk-sco/kiosk/catalog"
)

// The produce picker pages through the produce list on the server: a search
// (name in any language, or PLU), a category and an initial letter narrow it,
// and a page of it travels to the screen. The list itself is the catalog's
// produce index (catalog.Produce, at most catalog.MaxProduceList items: weighed
// products with a PLU), read per request; its cost does not grow with the
// number of packaged products.
const (
	producePage    = 60  // items per page unless the request asks for fewer
	produceMaxPage = 200 // the most a page may hold
	produceMaxQ    = 40  // runes of a search
)

// produceAnswer is GET /api/catalog/produce.
type produceAnswer struct {
	Items  []itemJSON `json:"items"`
	Total  int        `json:"total"`  // items that match, over all pages
	Offset int        `json:"offset"` // of the first item of this page
	// Categories of all produce, with how many items each holds; Letters the
	// initials (A–Z, accents folded) of the names in lang that match q and
	// category, for the A–Z bar.
	Categories []produceCategory `json:"categories"`
	Letters    []string          `json:"letters"`
}

type produceCategory struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// produce answers the picker: query parameters lang (en, de, es: names to
// sort and search by), q (a name's part in any language, or a PLU's digits),
// category, letter (A–Z), offset and limit. Items sort by name in lang.
func (s *Server) produce(c *fiber.Ctx) error {
	lang := c.Query("lang")
	if !slices.Contains(catalog.Langs, catalog.Lang(lang)) {
		lang = string(catalog.Langs[0])
	}
	q := fold(c.Query("q"))
	if len([]rune(q)) > produceMaxQ {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.query", "the search is too long"))
	}
	letter := strings.ToUpper(c.Query("letter"))
	if letter != "" && (len(letter) != 1 || letter[0] < 'A' || letter[0] > 'Z') {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.letter", "letter is one of A–Z"))
	}
	category := c.Query("category")
	offset, err1 := queryInt(c, "offset", 0)
	limit, err2 := queryInt(c, "limit", producePage)
	if err1 != nil || err2 != nil || offset < 0 || limit < 1 {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.page", "offset and limit are whole numbers, limit at least 1"))
	}
	limit = min(limit, produceMaxPage)

	ctx, cancel := s.handlerContext(10 * time.Second)
	defer cancel()
	ps, err := s.cat.Produce(ctx, catalog.MaxProduceList) // an indexed query: a walk of a big catalog finds nothing in time
	if err != nil {
		return err
	}
	name := func(p catalog.Product) string { return productName(p, lang) }
	slices.SortStableFunc(ps, func(a, b catalog.Product) int {
		if c := strings.Compare(fold(name(a)), fold(name(b))); c != 0 {
			return c
		}
		return strings.Compare(a.PLU, b.PLU)
	})

	ans := produceAnswer{Offset: offset, Categories: []produceCategory{}, Letters: []string{}}
	counts := map[string]int{}
	letters := map[string]bool{}
	var match []catalog.Product
	for _, p := range ps {
		if counts[p.Category] == 0 {
			ans.Categories = append(ans.Categories, produceCategory{Name: p.Category})
		}
		counts[p.Category]++
		if category != "" && p.Category != category || q != "" && !produceMatches(p, q) {
			continue
		}
		first := initial(name(p))
		letters[first] = true
		if letter != "" && first != letter {
			continue
		}
		match = append(match, p)
	}
	for i := range ans.Categories {
		ans.Categories[i].Count = counts[ans.Categories[i].Name]
	}
	for l := 'A'; l <= 'Z'; l++ {
		if letters[string(l)] {
			ans.Letters = append(ans.Letters, string(l))
		}
	}
	ans.Total = len(match)
	match = match[min(offset, len(match)):]
	ans.Items = itemsOf(match[:min(limit, len(match))])
	return c.JSON(ans)
}

func queryInt(c *fiber.Ctx, key string, def int) (int, error) {
	v := c.Query(key)
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}

// productName is p's name in lang, or the English one.
func productName(p catalog.Product, lang string) string { return p.Names.In(catalog.Lang(lang)) }

// produceMatches says whether a product's PLU starts with q, or one of its
// names holds q (both folded).
func produceMatches(p catalog.Product, q string) bool {
	if isDigits(q) {
		return strings.HasPrefix(p.PLU, q)
	}
	for _, n := range []string{p.Names.EN, p.Names.DE, p.Names.ES} {
		if n != "" && strings.Contains(fold(n), q) {
			return true
		}
	}
	return false
}

// initial is the first letter of a name, A–Z with accents folded ("Äpfel" is
// under A), or "" for a name that starts otherwise.
func initial(name string) string {
	for _, r := range fold(name) {
		if r >= 'a' && r <= 'z' {
			return string(unicode.ToUpper(r))
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return ""
		}
	}
	return ""
}

// folds maps the accented letters of the catalog's languages to their base
// letter, so that a search for "apfel" finds "Äpfel" and A–Z sorts "Ñame"
// under N.
var folds = strings.NewReplacer(
	"ä", "a", "à", "a", "á", "a", "â", "a",
	"ö", "o", "ò", "o", "ó", "o", "ô", "o",
	"ü", "u", "ù", "u", "ú", "u", "û", "u",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ì", "i", "î", "i", "ï", "i",
	"ñ", "n", "ç", "c", "ß", "ss",
)

// fold lowers s, folds accents and trims it.
func fold(s string) string {
	return folds.Replace(strings.ToLower(strings.TrimSpace(s)))
}
