package mailcatch

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rightsdesk mail{{with .Message}}: {{.Subject}}{{end}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0; display: flex; min-height: 100vh; color: #1a1a1a; }
nav { width: 26em; border-right: 1px solid #ccc; overflow-y: auto; }
nav a { display: block; padding: .6em 1em; border-bottom: 1px solid #eee; color: inherit; text-decoration: none; }
nav a:focus, nav a:hover { background: #eef; outline: 2px solid #33c; }
nav a[aria-current] { background: #dde; }
nav small { color: #555; display: block; }
main { flex: 1; padding: 1em 2em; }
iframe { width: 100%; height: 60vh; border: 1px solid #ccc; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 1em; }
</style>
</head>
<body>
<nav aria-label="Messages">
<h1 style="font-size:1.1em;padding:0 1em">Mail caught by rightsdesk dev ({{len .Messages}})</h1>
{{range .Messages}}<a href="?id={{.ID}}"{{if and $.Message (eq .ID $.Message.ID)}} aria-current="page"{{end}}><strong>{{.Subject}}</strong><small>to {{range .To}}{{.}} {{end}}· {{.Received.Format "2006-01-02 15:04:05"}}</small></a>
{{else}}<p style="padding:0 1em">Nothing yet. Letters and notices that rightsdesk sends by e-mail appear here.</p>{{end}}
</nav>
<main>
{{with .Message}}<h2>{{.Subject}}</h2>
<p>From {{.From}} to {{range .To}}{{.}} {{end}}<br>Message-ID {{.MessageID}}</p>
{{range $i, $a := .Attachments}}<p><a href="?id={{$.Message.ID}}&amp;attachment={{$i}}">{{$a.Filename}}</a> ({{$a.ContentType}}, {{len $a.Data}} bytes)</p>{{end}}
{{if .HTML}}<h3>HTML</h3><iframe sandbox title="The message as HTML" srcdoc="{{.HTML}}"></iframe>{{end}}
<h3>Text</h3><pre>{{.Text}}</pre>
{{else}}<p>Choose a message.</p>{{end}}
</main>
</body>
</html>
`))

// Handler shows the messages: a list, one message's HTML, text and files,
// and ?id=N&attachment=I downloads a file.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		msgs := s.Messages()
		// Newest first.
		for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
			msgs[i], msgs[j] = msgs[j], msgs[i]
		}
		var cur *Message
		if id, err := strconv.Atoi(r.URL.Query().Get("id")); err == nil {
			for i := range msgs {
				if msgs[i].ID == id {
					cur = &msgs[i]
				}
			}
		}
		if cur != nil && r.URL.Query().Has("attachment") {
			i, err := strconv.Atoi(r.URL.Query().Get("attachment"))
			if err != nil || i < 0 || i >= len(cur.Attachments) {
				http.NotFound(w, r)
				return
			}
			a := cur.Attachments[i]
			w.Header().Set("Content-Type", a.ContentType)
			w.Header().Set("Content-Disposition", `inline; filename="`+strings.ReplaceAll(a.Filename, `"`, "")+`"`)
			_, _ = w.Write(a.Data)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, map[string]any{"Messages": msgs, "Message": cur})
	})
}
