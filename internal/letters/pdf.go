package letters

import (
	"bytes"
	"fmt"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// PDF renders a letter as an A4 PDF. The Go fonts are embedded, so æøå and
// äö come out right wherever it is opened; no browser is needed.
func (l Letter) PDF(sender string) ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetTitle(l.Subject, true)
	p.SetCreator("rightsdesk", true)
	p.SetAuthor(sender, true)
	p.SetLang(l.Language)
	p.AddUTF8FontFromBytes("go", "", goregular.TTF)
	p.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	p.SetMargins(25, 25, 25)
	p.SetAutoPageBreak(true, 20)
	p.SetFooterFunc(func() {
		p.SetY(-15)
		p.SetFont("go", "", 8)
		p.CellFormat(0, 10, fmt.Sprintf("%s · %d/{nb}", sender, p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AliasNbPages("")
	p.AddPage()
	p.SetFont("go", "B", 14)
	p.MultiCell(0, 7, l.Subject, "", "L", false)
	p.Ln(4)
	for _, b := range l.blocks {
		switch b.kind {
		case "h":
			p.Ln(2)
			p.SetFont("go", "B", 11)
			p.MultiCell(0, 5.5, b.text, "", "L", false)
			p.Ln(1)
		case "li":
			p.SetFont("go", "", 10.5)
			p.SetX(30)
			p.MultiCell(0, 5.2, "• "+b.text, "", "L", false)
		default:
			p.SetFont("go", "", 10.5)
			p.MultiCell(0, 5.2, b.text, "", "L", false)
			p.Ln(2.5)
		}
	}
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		return nil, fmt.Errorf("letters: pdf: %w", err)
	}
	return out.Bytes(), nil
}
