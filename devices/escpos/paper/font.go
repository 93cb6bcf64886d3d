package paper

import (
	"sync"

	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/font/inconsolata"
	"golang.org/x/image/math/fixed"
)

// Font A of a 203 dpi printer: 12×24 dots per character.
const (
	cellW    = 12
	cellH    = 24
	baseline = 20 // rows above the baseline in a cell
)

// glyph is a 12×24 one-bit character cell.
type glyph [cellH][cellW]bool

var (
	glyphMu    sync.Mutex
	glyphCache = map[glyphKey]*glyph{}
)

type glyphKey struct {
	r    rune
	bold bool
}

// glyphFor returns the cell for r: Inconsolata 8×16 (Latin-1 and €) resampled
// to 12×24 and thresholded as a thermal head would print it, box-drawing and
// block characters drawn by rule, and a hollow box for anything else.
func glyphFor(r rune, bold bool) *glyph {
	k := glyphKey{r, bold}
	glyphMu.Lock()
	defer glyphMu.Unlock()
	if g, ok := glyphCache[k]; ok {
		return g
	}
	g := drawBox(r)
	if g == nil {
		face := inconsolata.Regular8x16
		if bold {
			face = inconsolata.Bold8x16
		}
		g = resample(face, r)
	}
	if g == nil {
		g = new(glyph)
		for y := 4; y < baseline; y++ {
			for x := 2; x < cellW-2; x++ {
				g[y][x] = y == 4 || y == baseline-1 || x == 2 || x == cellW-3
			}
		}
	}
	glyphCache[k] = g
	return g
}

func resample(face *basicfont.Face, r rune) *glyph {
	_, mask, mp, _, ok := face.Glyph(fixed.P(0, face.Ascent), r)
	if !ok || mask == nil {
		return nil
	}
	rows := face.Ascent + face.Descent
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= face.Width || y >= rows {
			return 0
		}
		_, _, _, a := mask.At(mp.X+x, mp.Y+y).RGBA()
		return float64(a) / 0xFFFF
	}
	const scale = 1.5 // 8×16 → 12×24
	g := new(glyph)
	for y := range cellH {
		sy := float64(face.Ascent) + (float64(y-baseline)+0.5)/scale - 0.5
		for x := range cellW {
			sx := (float64(x)+0.5)/scale - 0.5
			x0, y0 := int(floor(sx)), int(floor(sy))
			fx, fy := sx-floor(sx), sy-floor(sy)
			v := at(x0, y0)*(1-fx)*(1-fy) + at(x0+1, y0)*fx*(1-fy) +
				at(x0, y0+1)*(1-fx)*fy + at(x0+1, y0+1)*fx*fy
			g[y][x] = v >= 0.3
		}
	}
	return g
}

func floor(f float64) float64 {
	i := float64(int(f))
	if i > f {
		i--
	}
	return i
}

// Box-drawing strokes from the cell centre: weight 0 none, 1 single, 2 double.
type strokes struct{ up, down, left, right int }

var boxes = map[rune]strokes{
	'─': {0, 0, 1, 1}, '│': {1, 1, 0, 0}, '┌': {0, 1, 0, 1}, '┐': {0, 1, 1, 0},
	'└': {1, 0, 0, 1}, '┘': {1, 0, 1, 0}, '├': {1, 1, 0, 1}, '┤': {1, 1, 1, 0},
	'┬': {0, 1, 1, 1}, '┴': {1, 0, 1, 1}, '┼': {1, 1, 1, 1},
	'═': {0, 0, 2, 2}, '║': {2, 2, 0, 0}, '╔': {0, 2, 0, 2}, '╗': {0, 2, 2, 0},
	'╚': {2, 0, 0, 2}, '╝': {2, 0, 2, 0}, '╠': {2, 2, 0, 2}, '╣': {2, 2, 2, 0},
	'╦': {0, 2, 2, 2}, '╩': {2, 0, 2, 2}, '╬': {2, 2, 2, 2},
}

func drawBox(r rune) *glyph {
	g := new(glyph)
	switch r {
	case '█', '▄', '▀', '■':
		y0, y1, x0, x1 := 0, cellH, 0, cellW
		switch r {
		case '▄':
			y0 = cellH / 2
		case '▀':
			y1 = cellH / 2
		case '■':
			y0, y1, x0, x1 = 7, 19, 1, 11
		}
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				g[y][x] = true
			}
		}
		return g
	case '░', '▒', '▓':
		for y := range cellH {
			for x := range cellW {
				switch r {
				case '░':
					g[y][x] = x%4 == 0 && y%2 == 0 || x%4 == 2 && y%2 == 1
				case '▒':
					g[y][x] = (x+y)%2 == 0
				default:
					g[y][x] = !(x%4 == 0 && y%2 == 0 || x%4 == 2 && y%2 == 1)
				}
			}
		}
		return g
	}
	s, ok := boxes[r]
	if !ok {
		return nil
	}
	cx, cy := cellW/2, cellH/2
	line := func(w int, vertical bool, from, to int) {
		if w == 0 {
			return
		}
		offs := []int{0}
		if w == 2 {
			offs = []int{-2, 2}
		}
		for _, o := range offs {
			for i := from; i < to; i++ {
				if vertical {
					g[i][cx+o] = true
				} else {
					g[cy+o][i] = true
				}
			}
		}
	}
	line(s.up, true, 0, cy+1)
	line(s.down, true, cy, cellH)
	line(s.left, false, 0, cx+1)
	line(s.right, false, cx, cellW)
	return g
}
