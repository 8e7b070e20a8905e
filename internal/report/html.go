package report

import (
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/logsift/logsift/internal/evidence"
)

// The HTML report is one self-contained file: inline CSS, no script, no
// external resource, readable on a phone. html/template escapes every value
// for its context; clean runs first so control and bidi characters show as
// escapes rather than reorder or hide text.

var htmlFuncs = template.FuncMap{
	"clean":     func(s string) string { return clean(s, fieldLimit) },
	"cleanLong": func(s string) string { return clean(s, 2000) },
	"upper":     strings.ToUpper,
	"time":      fmtTime,
	"window":    window,
	"thousands": thousands,
	"plural":    plural,
	"pluralN":   func(n int, one, many string) string { return plural(int64(n), one, many) },
	"inc":       func(i int) int { return i + 1 },
	"sev":       func(s evidence.Severity) string { return s.String() },
	"cats":      categoryList,
	"statuses":  func(m map[string]int64) string { return statusSummary(m, 6) },
	"samples":   func(f *Finding) []evidence.Sample { return samples(f, maxSamples) },
	"first":     firstN,
	"more":      more,
	"join":      strings.Join,
	"filename":  func(s string) string { return safeFileName(s, 120) },
	"campaignRefs": func(cs []int) string {
		var out []string
		for _, c := range cs {
			out = append(out, fmt.Sprintf("#%d", c+1))
		}
		return strings.Join(out, ", ")
	},
	"reasons": func(m map[string]int64) []string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out := make([]string, 0, len(keys))
		for _, k := range keys {
			out = append(out, fmt.Sprintf("%s %d", clean(k, 40), m[k]))
		}
		return out
	},
	"money": func(f float64) string { return fmt.Sprintf("$%.4f", f) },
}

type htmlView struct {
	*Report
	Top, Rest     []Finding
	RestMore      int
	Blocks        []BlockEntry
	BlocksMore    int
	Campaigns     []evidence.Campaign
	CampaignsMore int
	RejectSamples []Rejection
	Notes         []string
	BlockMin      evidence.Severity
}

var htmlTmpl = template.Must(template.New("report").Funcs(htmlFuncs).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>logsift report: {{filename .Source.Name}}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#fff;margin:0 auto;max-width:62rem;padding:1rem}
h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #d0d7de}h3{font-size:1rem;margin:1rem 0 .3rem}
code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f4f6;border-radius:4px;padding:0 .2em;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-all}
pre{padding:.6rem;overflow-x:auto}
.meta{color:#57606a;font-size:.9rem}
.sev{display:inline-block;padding:0 .45em;border-radius:4px;font-weight:600;font-size:.85rem;color:#fff;background:#6e7781}
.sev-critical{background:#a40e26}.sev-high{background:#cf222e}.sev-medium{background:#bc4c00}.sev-low{background:#9a6700}.sev-info{background:#57606a}
.summary{border:1px solid #d0d7de;border-radius:6px;padding:.8rem 1rem;background:#f6f8fa}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.6rem .9rem;margin:.7rem 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eaeef2;vertical-align:top}
ul{padding-left:1.3rem}li{margin:.15rem 0}
@media (max-width:600px){body{padding:.6rem;font-size:14px}}
</style>
</head>
<body>
<h1>logsift security report</h1>
<p class="meta"><code>{{clean .Source.Name}}</code> · generated {{time .Generated}} UTC{{with .Source.Format}} · {{clean .}}{{end}} · {{plural .Input.Parsed "request" "requests"}} · {{window .Input.First .Input.Last}}</p>

<section class="summary">
<p><span class="sev sev-{{sev .Summary.Severity}}">{{upper (sev .Summary.Severity)}}</span> {{cleanLong .Summary.Headline}}</p>
{{if .Summary.Categories}}<p>Actors per category: {{range $i, $c := .Summary.Categories}}{{if $i}}, {{end}}<code>{{$c.Category}}</code> {{$c.Actors}}{{end}}</p>{{end}}
{{if .Summary.DoNow}}<p><strong>Do now:</strong></p><ol>{{range .Summary.DoNow}}<li>{{clean .}}</li>{{end}}</ol>{{end}}
{{if .Analysis.ModelUnavailable}}<p>The model was unavailable; findings and advice come from the rules alone.</p>{{end}}
</section>

{{if .Top}}<h2>Top actors</h2>
{{range $i, $f := .Top}}<div class="card">
<h3>{{inc $i}}. <code>{{clean $f.Actor}}</code> <span class="sev sev-{{sev $f.Severity}}">{{upper (sev $f.Severity)}}</span></h3>
<p>{{cats $f.Categories}} · confidence {{printf "%.2f" $f.Confidence}} ({{clean $f.VerdictSource}}) · {{plural $f.Evidence.Requests "request" "requests"}}, {{$f.Evidence.DistinctPaths}} distinct paths · {{time $f.Evidence.FirstSeen}} to {{time $f.Evidence.LastSeen}} UTC · statuses <code>{{statuses $f.Evidence.Statuses}}</code></p>
{{with $f.Rationale}}<p>{{cleanLong .}}</p>{{end}}
<ul>{{range $f.Evidence.Hits}}<li><code>{{clean .Rule}}</code> ({{sev .Severity}}, {{plural .Count "request" "requests"}}): {{clean .Reason}}</li>{{end}}</ul>
{{with samples $f}}<div class="scroll"><table><tr><th>line</th><th>time</th><th>request</th><th>status</th></tr>
{{range .}}<tr><td>{{.Line}}</td><td>{{time .Time}}</td><td><code>{{clean .Method}} {{clean .Target}}</code>{{with .UA}}<br>UA <code>{{clean .}}</code>{{end}}</td><td>{{.Status}}</td></tr>
{{end}}</table></div>{{end}}
{{with $f.Campaigns}}<p>Campaigns: {{campaignRefs .}}</p>{{end}}
</div>
{{end}}{{end}}
{{if .Rest}}<h3>Other suspicious actors</h3>
<div class="scroll"><table><tr><th>actor</th><th>severity</th><th>requests</th><th>categories</th></tr>
{{range .Rest}}<tr><td><code>{{clean .Actor}}</code></td><td>{{sev .Severity}}</td><td>{{.Evidence.Requests}}</td><td>{{cats .Categories}}</td></tr>
{{end}}</table></div>{{if .RestMore}}<p>… and {{.RestMore}} more (see the JSON report).</p>{{end}}{{end}}

{{if .Campaigns}}<h2>Campaigns</h2>
<ol>{{range .Campaigns}}<li><code>{{clean .Kind}}</code> ({{sev .Severity}}): {{pluralN (len .Actors) "address" "addresses"}}, {{plural .Requests "request" "requests"}}; {{cats .Categories}}<br>key <code>{{clean .Key}}</code>{{with .Reason}}<br>{{clean .}}{{end}}<br>addresses <code>{{clean (join (first .Actors 20) " ")}}</code>{{more (len .Actors) 20}}</li>
{{end}}</ol>{{if .CampaignsMore}}<p>… and {{.CampaignsMore}} more.</p>{{end}}
{{with .Observations}}<ul>{{range .}}<li>{{cleanLong .Summary}}</li>{{end}}</ul>{{end}}{{end}}

{{if .Blocks}}<h2>Blocklist ({{len .Blocklist}} entries, severity {{sev .BlockMin}} and above)</h2>
<pre>{{range .Blocks}}{{clean .CIDR}}
{{end}}</pre>
<div class="scroll"><table><tr><th>CIDR</th><th>reason</th></tr>
{{range .Blocks}}<tr><td><code>{{clean .CIDR}}</code></td><td>{{clean .Reason}}</td></tr>
{{end}}</table></div>{{if .BlocksMore}}<p>… and {{.BlocksMore}} more (see the JSON report).</p>{{end}}{{end}}

{{if .Recommendations}}<h2>Recommendations</h2>
<ol>{{range .Recommendations}}<li value="{{.Priority}}"><strong>{{clean .Title}}</strong> <code>{{clean .Kind}}</code><br>{{cleanLong .Detail}}{{if or .Categories .Actors}}<br><small>For: {{cats .Categories}}{{if and .Categories .Actors}}; {{end}}{{with .Actors}}{{clean (join (first . 8) " ")}}{{more (len .) 8}}{{end}}</small>{{end}}</li>
{{end}}</ol>{{end}}

<h2>Input</h2>
<ul>
<li>Lines read {{thousands .Input.Lines}}, parsed {{thousands .Input.Parsed}}, skipped {{thousands .Input.Skipped}}, rejected {{thousands .Input.Rejected}}, duplicates {{thousands .Input.Duplicates}}</li>
<li>Time window: {{window .Input.First .Input.Last}}; {{plural .Input.Actors "client" "clients"}}</li>
{{with .Input.Reasons}}<li>Rejected by reason: {{join (reasons .) ", "}}</li>{{end}}
{{range .RejectSamples}}<li>line {{.Line}} ({{clean .Reason}}): <code>{{clean .Text}}</code></li>{{end}}
{{range .Input.Errors}}<li>Stopped early: {{clean .}}</li>{{end}}
</ul>

<h2>Analysis</h2>
<ul>
<li>Analyzer: <code>{{if .Analysis.Analyzer}}{{clean .Analysis.Analyzer}}{{else}}offline{{end}}</code></li>
{{if .Analysis.ModelUnavailable}}<li>Model unavailable: verdicts and advice come from the rules</li>{{end}}
{{if or .Analysis.Usage.Calls .Analysis.Usage.InputTokens}}<li>Model calls {{.Analysis.Usage.Calls}}, input tokens {{thousands .Analysis.Usage.InputTokens}}, output tokens {{thousands .Analysis.Usage.OutputTokens}}, cost {{money .Analysis.Usage.CostUSD}}</li>{{end}}
{{if .Analysis.Truncated}}<li>Some actors were over the token budget and were classified by the rules only</li>{{end}}
{{range .Notes}}<li>Note: {{clean .}}</li>{{end}}
</ul>
</body>
</html>
`))

func renderHTML(w io.Writer, r *Report) error {
	v := htmlView{Report: r, BlockMin: BlockMinSeverity}
	v.Top = firstFindings(r.Findings, 0, detailActors)
	v.Rest = firstFindings(r.Findings, detailActors, detailActors+listActors)
	v.RestMore = max(len(r.Findings)-detailActors-listActors, 0)
	v.Blocks = r.Blocklist[:min(len(r.Blocklist), maxBlockLines)]
	v.BlocksMore = len(r.Blocklist) - len(v.Blocks)
	v.Campaigns = r.Campaigns[:min(len(r.Campaigns), maxCampaigns)]
	v.CampaignsMore = len(r.Campaigns) - len(v.Campaigns)
	v.RejectSamples = r.Input.Samples[:min(len(r.Input.Samples), maxRejectShown)]
	v.Notes = r.Analysis.Notes[:min(len(r.Analysis.Notes), maxNotes)]
	if len(r.Recommendations) > maxRecs {
		c := *r
		c.Recommendations = r.Recommendations[:maxRecs]
		v.Report = &c
	}
	return htmlTmpl.Execute(w, &v)
}

func firstFindings(fs []Finding, from, to int) []Finding {
	if from >= len(fs) {
		return nil
	}
	return fs[from:min(to, len(fs))]
}
