package hqweb

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Charts are server-rendered SVG: no script runs on the dashboard. Every
// text in them (a reason, a lane id) is escaped.

const (
	chartW, chartH             = 640, 240
	padL, padR, padT, padB     = 56, 12, 28, 48
	plotW, plotH               = chartW - padL - padR, chartH - padT - padB
	barColor, lineColor, grid_ = "#2563eb", "#0a7a33", "#d1d5db"
)

// niceMax rounds v up to 1, 2 or 5 times a power of ten, for the axis.
func niceMax(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// chartFrame opens an SVG with its accessible title and the y axis grid.
func chartFrame(b *strings.Builder, title, desc string, top float64, format func(float64) string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-labelledby="t d" class="chart">`, chartW, chartH)
	fmt.Fprintf(b, `<title id="t">%s</title><desc id="d">%s</desc>`, esc(title), esc(desc))
	fmt.Fprintf(b, `<text x="%d" y="16" class="chart-title">%s</text>`, padL, esc(title))
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		y := float64(padT) + float64(plotH)*(1-float64(i)/4)
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>`, padL, chartW-padR, y, y, grid_)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end" class="tick">%s</text>`, padL-6, y+4, esc(format(v)))
	}
}

// barChart draws one bar per label.
func barChart(title string, labels []string, values []float64, format func(float64) string) template.HTML {
	var b strings.Builder
	top := 0.0
	for _, v := range values {
		top = max(top, v)
	}
	top = niceMax(top)
	var desc []string
	for i, l := range labels {
		desc = append(desc, l+": "+format(values[i]))
	}
	chartFrame(&b, title, strings.Join(desc, ", "), top, format)
	if len(values) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" class="empty">no data</text></svg>`, padL+plotW/2, padT+plotH/2)
		return template.HTML(b.String())
	}
	slot := float64(plotW) / float64(len(values))
	every := int(math.Ceil(float64(len(values)) / 12)) // at most 12 labels under the axis
	for i, v := range values {
		h := float64(plotH) * max(v, 0) / top
		x := float64(padL) + slot*float64(i) + slot*0.15
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`,
			x, float64(padT+plotH)-h, slot*0.7, h, barColor, esc(labels[i]), esc(format(v)))
		if i%every == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" class="tick">%s</text>`, x+slot*0.35, padT+plotH+16, esc(short(labels[i])))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// lineChart draws one series over the labels; a nil value is a gap.
func lineChart(title string, labels []string, values []*float64, top float64, format func(float64) string) template.HTML {
	var b strings.Builder
	for _, v := range values {
		if v != nil {
			top = max(top, *v)
		}
	}
	top = niceMax(top)
	var desc []string
	for i, l := range labels {
		if values[i] != nil {
			desc = append(desc, l+": "+format(*values[i]))
		}
	}
	chartFrame(&b, title, strings.Join(desc, ", "), top, format)
	if len(desc) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" class="empty">no data</text></svg>`, padL+plotW/2, padT+plotH/2)
		return template.HTML(b.String())
	}
	step := float64(plotW) / float64(max(len(values)-1, 1))
	var path []string
	every := int(math.Ceil(float64(len(values)) / 12))
	for i, v := range values {
		x := float64(padL) + step*float64(i)
		if len(values) == 1 {
			x = float64(padL + plotW/2)
		}
		if i%every == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" class="tick">%s</text>`, x, padT+plotH+16, esc(short(labels[i])))
		}
		if v == nil {
			continue
		}
		y := float64(padT) + float64(plotH)*(1-*v/top)
		cmd := "L"
		if len(path) == 0 || values[i-1] == nil {
			cmd = "M"
		}
		path = append(path, fmt.Sprintf("%s%.1f %.1f", cmd, x, y))
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s: %s</title></circle>`, x, y, lineColor, esc(labels[i]), esc(format(*v)))
	}
	fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"/></svg>`, strings.Join(path, " "), lineColor)
	return template.HTML(b.String())
}

func short(s string) string {
	if r := []rune(s); len(r) > 14 {
		return string(r[:13]) + "…"
	}
	return s
}
