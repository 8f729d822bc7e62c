package letters

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"golang.org/x/net/html"
)

// block is one paragraph of a letter: a heading, a paragraph or a list item.
type block struct {
	kind string // h, p, li
	text string
}

// parseBlocks reads a rendered body into blocks, for the text and the PDF.
// The body may use h2, h3, p, ul, li, strong, em, a and br.
func parseBlocks(body string) ([]block, error) {
	z := html.NewTokenizer(strings.NewReader(body))
	var out []block
	var cur *block
	var href string
	flush := func() {
		if cur != nil {
			// Collapse white space as HTML does, then turn each <br> into a line break.
			cur.text = strings.Join(strings.Fields(cur.text), " ")
			cur.text = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(cur.text, " \uE000", "\uE000"), "\uE000", "\n"))
			if cur.text != "" {
				out = append(out, *cur)
			}
		}
		cur = nil
	}
	for {
		switch z.Next() {
		case html.ErrorToken:
			flush()
			return out, nil
		case html.StartTagToken, html.SelfClosingTagToken:
			name, attr := z.TagName()
			switch string(name) {
			case "h1", "h2", "h3":
				flush()
				cur = &block{kind: "h"}
			case "p":
				flush()
				cur = &block{kind: "p"}
			case "li":
				flush()
				cur = &block{kind: "li"}
			case "br":
				if cur != nil {
					cur.text += "\uE000"
				}
			case "a":
				href = ""
				for attr {
					var k, v []byte
					k, v, attr = z.TagAttr()
					if string(k) == "href" {
						href = string(v)
					}
				}
			case "ul", "strong", "em", "b", "i", "span":
			default:
				return nil, fmt.Errorf("the body uses <%s>, which letters do not support", name)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "h1", "h2", "h3", "p", "li":
				flush()
			case "a":
				if href != "" && cur != nil && !strings.Contains(cur.text, href) {
					cur.text += " (" + href + ")"
				}
				href = ""
			}
		case html.TextToken:
			t := string(z.Text())
			if cur == nil {
				if strings.TrimSpace(t) == "" {
					continue
				}
				cur = &block{kind: "p"}
			}
			cur.text += t
		}
	}
}

// textOf is the plain-text letter: the subject, then the blocks.
func textOf(subject string, blocks []block) string {
	var b strings.Builder
	b.WriteString(subject + "\n\n")
	for i, bl := range blocks {
		switch bl.kind {
		case "h":
			b.WriteString(strings.ToUpper(bl.text[:1]) + bl.text[1:] + "\n")
		case "li":
			b.WriteString("- " + strings.ReplaceAll(bl.text, "\n", "\n  ") + "\n")
		default:
			b.WriteString(bl.text + "\n")
		}
		if i+1 < len(blocks) && !(bl.kind == "li" && blocks[i+1].kind == "li") && bl.kind != "h" {
			b.WriteString("\n")
		}
	}
	return b.String()
}

var layout = template.Must(template.New("layout").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title>
<style>
body { font-family: system-ui, sans-serif; line-height: 1.5; max-width: 40em; margin: 2em auto; padding: 0 1em; color: #1a1a1a; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
</style>
</head>
<body>
<h1>{{.Subject}}</h1>
{{.Body}}
</body>
</html>
`))

// htmlOf wraps a rendered body in the letter's HTML document.
func htmlOf(lang, subject, body string) (string, error) {
	var b bytes.Buffer
	// The body was rendered by html/template, which escaped every value.
	err := layout.Execute(&b, map[string]any{"Lang": lang, "Subject": subject, "Body": template.HTML(strings.TrimSpace(body))})
	return b.String(), err
}
