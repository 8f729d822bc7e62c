package letters

import (
	"bytes"
	"fmt"
	"strings"
	"sync"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// A4 in points, and the page's margins.
const (
	pageW, pageH = 595.28, 841.89
	margin       = 70.0
	bottom       = pageH - 60
)

// fonts holds the Go fonts parsed once: parsing them for every letter was
// most of a letter's allocations (docs/BENCHMARKS.md). Each document takes
// its own copy of the parsed font with its own subset.
var fonts = sync.OnceValues(func() (*gopdf.FontContainer, error) {
	fc := &gopdf.FontContainer{}
	if err := fc.AddTTFFontData("go", goregular.TTF); err != nil {
		return nil, err
	}
	if err := fc.AddTTFFontData("go-bold", gobold.TTF); err != nil {
		return nil, err
	}
	return fc, nil
})

// PDF renders a letter as an A4 PDF. The Go fonts are embedded (subset),
// so æøå and äö come out right wherever it is opened; no browser is needed.
func (l Letter) PDF(sender string) ([]byte, error) {
	fc, err := fonts()
	if err != nil {
		return nil, fmt.Errorf("letters: pdf: %w", err)
	}
	p := &gopdf.GoPdf{}
	p.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	// The page contents go uncompressed: each compressed stream took a
	// zlib writer of its own (some 700 KB to allocate and clear), a
	// quarter of the rendering time, to save about 7 KB on a two-page
	// letter (BenchmarkRenderPDF; docs/BENCHMARKS.md). The fonts are still
	// compressed.
	p.SetNoCompression()
	p.SetInfo(gopdf.PdfInfo{Title: l.Subject, Author: sender, Creator: "rightsdesk"})
	for _, family := range []string{"go", "go-bold"} {
		if err := p.AddTTFFontFromFontContainer(family, fc); err != nil {
			return nil, fmt.Errorf("letters: pdf: %w", err)
		}
	}
	page := 0
	p.AddFooter(func() {
		page++
		_ = p.SetFont("go", "", 8)
		footer := fmt.Sprintf("%s · %d", sender, page)
		w, _ := p.MeasureTextWidth(footer)
		p.SetXY((pageW-w)/2, pageH-40)
		_ = p.Cell(nil, footer)
	})
	p.AddPage()
	y := margin
	// write sets text in a column from x, wrapped, on as many pages as it takes.
	write := func(font string, size, leading, x float64, text string) error {
		if err := p.SetFont(font, "", size); err != nil {
			return err
		}
		for _, para := range strings.Split(text, "\n") {
			lines, err := p.SplitTextWithWordWrap(para, pageW-margin-x)
			if err != nil {
				return err
			}
			for _, line := range lines {
				if y+leading > bottom {
					p.AddPage()
					y = margin
				}
				p.SetXY(x, y)
				if err := p.Cell(nil, line); err != nil {
					return err
				}
				y += leading
			}
		}
		return nil
	}
	if err := write("go-bold", 14, 18, margin, l.Subject); err != nil {
		return nil, fmt.Errorf("letters: pdf: %w", err)
	}
	y += 10
	for i, b := range l.blocks {
		var err error
		switch b.kind {
		case "h":
			y += 4
			err = write("go-bold", 11, 15, margin, b.text)
			y += 2
		case "li":
			err = write("go", 10.5, 14, margin+12, "• "+b.text)
			if i+1 < len(l.blocks) && l.blocks[i+1].kind != "li" {
				y += 7
			}
		default:
			err = write("go", 10.5, 14, margin, b.text)
			y += 7
		}
		if err != nil {
			return nil, fmt.Errorf("letters: pdf: %w", err)
		}
	}
	var out bytes.Buffer
	if _, err := p.WriteTo(&out); err != nil {
		return nil, fmt.Errorf("letters: pdf: %w", err)
	}
	return out.Bytes(), nil
}
