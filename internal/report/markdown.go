package report

import (
	"strings"
	"text/template"
)

// mdFuncs escape the view for Markdown: attacker text is either a code span
// (paths, user agents, addresses: code) or escaped, defanged prose
// (rationales, reasons: md), so it cannot add links, images, HTML or
// structure.
var mdFuncs = template.FuncMap{
	"md":   mdText,
	"code": mdCode,
	"codes": func(xs []string) string {
		cs := make([]string, len(xs))
		for i, x := range xs {
			cs[i] = mdCode(x)
		}
		return strings.Join(cs, ", ")
	},
	// fence is a line inside a ``` block: the block must hold whatever is in it.
	"fence": func(s string) string { return strings.ReplaceAll(clean(s, 0), "`", "") },
}
