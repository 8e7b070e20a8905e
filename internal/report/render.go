package report

import (
	"bufio"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"
)

// Formats lists the formats Render writes.
var Formats = []string{"text", "md", "html", "json"}

// wrapWidth is the column at which text and email lines are wrapped.
const wrapWidth = 100

// The layouts are templates, one file each. The text ones (text, Markdown,
// email) use text/template; the HTML one uses html/template, which escapes
// every value for its context. They all read the same view (view.go), and
// each format's functions do its own escaping: none for text (the view is
// already cleaned), code spans and backslashes for Markdown.
//
// The HTML report is one self-contained file: inline CSS, no script, no
// external resource, readable on a phone. Its Content-Security-Policy says so
// to the browser, so that nothing a template or an escape misses can run or
// load.
//
// Layout convention: a line holding only an action starts with "{{-", which
// removes the newline before it, so that the action's output (or nothing)
// takes the place of that line.
//
//go:embed templates/*.tmpl
var templateFiles embed.FS

// funcs are the functions every template may call.
var funcs = map[string]any{
	"plural":    plural,
	"thousands": thousands,
	"upper":     strings.ToUpper,
	"join":      strings.Join,
	"more":      more,
	"inc":       func(i int) int { return i + 1 },
}

// textFuncs are the functions of the plain-text layouts (report and email).
var textFuncs = template.FuncMap{
	"wrap": wrap,
	// defang keeps mail clients from linking URLs and host names that an
	// attacker or the model wrote.
	"defang": defang,
	// categoryCounts is "sqli 2, xss 1".
	"categoryCounts": func(cs []CategoryCount) string {
		parts := make([]string, len(cs))
		for i, c := range cs {
			parts[i] = fmt.Sprintf("%s %d", c.Category, c.Actors)
		}
		return strings.Join(parts, ", ")
	},
	// reasonCounts is "bad-time 3, bad-status 1".
	"reasonCounts": func(rs []reasonCount) string {
		parts := make([]string, len(rs))
		for i, r := range rs {
			parts[i] = fmt.Sprintf("%s %d", r.Reason, r.N)
		}
		return strings.Join(parts, ", ")
	},
	// recFor says whom a recommendation is for: "categories: sqli; actors: 192.0.2.1".
	"recFor": func(r recView) string {
		var parts []string
		if len(r.Categories) > 0 {
			parts = append(parts, "categories: "+strings.Join(r.Categories, ", "))
		}
		if len(r.Actors) > 0 {
			parts = append(parts, "actors: "+strings.Join(r.Actors, " ")+more(r.ActorsMore))
		}
		return strings.Join(parts, "; ")
	},
}

var (
	textTmpl    = parseText("text.tmpl", textFuncs)
	mdTmpl      = parseText("markdown.tmpl", mdFuncs)
	emailTmpl   = parseText("email.tmpl", textFuncs)
	failureTmpl = parseText("failure.tmpl", textFuncs)
	htmlTmpl    = htmltemplate.Must(htmltemplate.New("html.tmpl").Funcs(funcs).ParseFS(templateFiles, "templates/html.tmpl"))
)

func parseText(name string, extra template.FuncMap) *template.Template {
	t := template.New(name).Funcs(funcs).Funcs(extra)
	return template.Must(t.ParseFS(templateFiles, "templates/"+name))
}

// Render writes the report in format: "text", "md" (or "markdown"), "html" or
// "json".
func Render(w io.Writer, r *Report, format string) error {
	if r == nil {
		return fmt.Errorf("render: no report")
	}
	bw := bufio.NewWriter(w)
	var err error
	switch strings.ToLower(format) {
	case "text", "txt", "":
		err = textTmpl.Execute(bw, newView(r, reportBounds))
	case "md", "markdown":
		err = mdTmpl.Execute(bw, newView(r, reportBounds))
	case "html":
		err = htmlTmpl.Execute(bw, newView(r, reportBounds))
	case "json":
		err = renderJSON(bw, r)
	default:
		return fmt.Errorf("render: unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return fmt.Errorf("render %s: %w", format, err)
	}
	return bw.Flush()
}

func renderJSON(w io.Writer, r *Report) error {
	c := *r
	if c.SchemaVersion == "" {
		c.SchemaVersion = SchemaVersion
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(&c)
}

// wrap word-wraps s at wrapWidth: the first line starts with prefix, the
// others with as many spaces. It returns no final newline, and nothing for
// text without words.
func wrap(prefix, s string) string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return ""
	}
	indent := strings.Repeat(" ", utf8.RuneCountInString(prefix))
	var b strings.Builder
	b.WriteString(prefix)
	col := len(indent)
	for i, w := range words {
		if i > 0 && col+1+len(w) > wrapWidth {
			b.WriteByte('\n')
			b.WriteString(indent)
			col = len(indent)
		} else if i > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String()
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// window describes the log time covered.
func window(first, last time.Time) string {
	if first.IsZero() {
		return "no timestamps"
	}
	f, l := first.UTC(), last.UTC()
	if f.Format("2006-01-02") == l.Format("2006-01-02") {
		return fmt.Sprintf("%s %s–%s UTC", f.Format("2006-01-02"), f.Format("15:04"), l.Format("15:04"))
	}
	return fmt.Sprintf("%s – %s UTC", f.Format("2006-01-02 15:04"), l.Format("2006-01-02 15:04"))
}
