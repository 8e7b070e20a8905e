package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
)

// invisible are characters that render as nothing (or as a blot over their
// neighbours) and so can hide or fake text in a report.
var invisible = map[string]string{
	"hangul filler":          "\u3164",
	"hangul choseong filler": "\u115f",
	"hangul jungseong":       "\u1160",
	"halfwidth hangul":       "\uffa0",
	"variation selector":     "\ufe0f",
	"variation selector 17":  "\U000E0100",
	"tag character":          "\U000E0041",
	"zero width space":       "\u200b",
}

func TestCleanShowsInvisibleCharacters(t *testing.T) {
	for name, c := range invisible {
		got := clean("ad"+c+"min", 0)
		if strings.Contains(got, c) || got == "admin" || !strings.HasPrefix(got, `ad\u`) && !strings.HasPrefix(got, `ad\U`) {
			t.Errorf("%s: clean = %q, want the character shown as an escape", name, got)
		}
	}
	stacked := "Z" + strings.Repeat("\u0336\u0301", 20) + "ok"
	got := clean(stacked, 0)
	if marks := strings.Count(got, "\u0336") + strings.Count(got, "\u0301"); marks != analysis.MaxMarks {
		t.Errorf("stacked marks: %d kept in %q, want %d", marks, got, analysis.MaxMarks)
	}
	// Scripts that need their marks keep them.
	for _, s := range []string{"Tiếng Việt", "ภาษาไทย", "café"} {
		if got := clean(s, 0); got != s {
			t.Errorf("clean(%q) = %q", s, got)
		}
	}
}

// invisibleReport carries every invisible character in the fields an attacker
// writes (path, user agent, a rationale quoting them, a rejected line).
func invisibleReport() *Report {
	var all strings.Builder
	for _, c := range invisible {
		all.WriteString("x" + c)
	}
	all.WriteString("Z" + strings.Repeat("\u0336", 30))
	s := all.String()
	a := actor("203.0.113.8", 9, hit(evidence.ScannerUA, evidence.Medium, 3, sample(4, "/"+s, 404, s)))
	return Build(BuildInput{
		Input:     Input{Parsed: 10, Rejected: 1, Reasons: map[string]int64{"bad-time": 1}, Samples: []Rejection{{Line: 2, Reason: "bad-time", Text: s}}},
		Actors:    []evidence.Actor{a},
		Verdicts:  []analysis.Verdict{{Actor: a.Actor, Severity: evidence.Medium, Categories: a.Categories, Rationale: "sent " + s, Source: "model"}},
		Campaigns: []evidence.Campaign{{Kind: "shared-user-agent", Key: s, Actors: []string{a.Actor}, Severity: evidence.Medium}},
	})
}

func TestReportsShowNoInvisibleCharacters(t *testing.T) {
	r := invisibleReport()
	outs := map[string]string{}
	for _, f := range []string{"text", "md", "html"} {
		outs[f] = render(t, r, f)
	}
	var mail bytes.Buffer
	if err := EmailText(&mail, r, EmailLinks{}); err != nil {
		t.Fatal(err)
	}
	outs["email"] = mail.String()
	for f, out := range outs {
		for name, c := range invisible {
			if strings.Contains(out, c) {
				t.Errorf("%s shows a raw %s", f, name)
			}
		}
		if strings.Contains(out, strings.Repeat("\u0336", analysis.MaxMarks+1)) {
			t.Errorf("%s shows a stack of combining marks", f)
		}
	}
}

func TestHTMLContentSecurityPolicy(t *testing.T) {
	out := render(t, hostileReport(), "html")
	m := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatchIndex(out)
	if m == nil {
		t.Fatal("no Content-Security-Policy meta tag")
	}
	if head := out[:m[0]]; strings.Contains(head, "<style") || strings.Contains(head, "<body") {
		t.Error("the policy comes after content it should govern")
	}
	directives := map[string]string{}
	for _, d := range strings.Split(out[m[2]:m[3]], ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	if directives["default-src"] != "'none'" {
		t.Errorf("default-src %q, want 'none' (no script, image, font, frame or connection)", directives["default-src"])
	}
	if directives["style-src"] != "'unsafe-inline'" {
		t.Errorf("style-src %q, want only the inline styles", directives["style-src"])
	}
	for name, value := range directives {
		if strings.HasPrefix(name, "script") || strings.Contains(value, "http") || strings.Contains(value, "*") || strings.Contains(value, "data:") {
			t.Errorf("directive %s %s lets something run or load", name, value)
		}
	}
	if directives["base-uri"] != "'none'" || directives["form-action"] != "'none'" {
		t.Errorf("base-uri %q, form-action %q: want 'none'", directives["base-uri"], directives["form-action"])
	}
}

// linkable matches what markdown-it's linkify (VS Code's preview), GFM's
// autolinks and mail clients make into links: a scheme, www. in any case, an
// e-mail address, or a host name with a common or two-letter top-level domain.
var linkable = regexp.MustCompile(`(?i)[a-z][a-z0-9+.-]*://|\bwww\.|[a-z0-9]@[a-z0-9]|[a-z0-9]\.(com|net|org|info|biz|shop|[a-z]{2})\b`)

func TestMarkdownDefangsHostNames(t *testing.T) {
	for _, s := range []string{"Www.Evil.com/login", "WWW.evil.com", "wWw.x.y", "go to evil.co/aws now", "EVIL.COM", "https://evil.co/aws", "mail root@evil.org", "a.b.shop"} {
		got := stripCodeSpans(mdText(s))
		if linkable.MatchString(strings.ReplaceAll(got, `\`, "")) {
			t.Errorf("mdText(%q) = %q can still become a link", s, got)
		}
	}
	// Prose that links nothing stays as it was.
	for _, s := range []string{"asked for /wp-login.php and /index.html", "e.g. three requests", "version 1.2.3"} {
		if got := mdText(s); got != s {
			t.Errorf("mdText(%q) = %q, want it unchanged", s, got)
		}
	}
}

func TestEmailDefangsAttackerURLs(t *testing.T) {
	const ua = "sqlmap URGENT rotate keys at https://evil.co/aws"
	a := actor("198.51.100.9", 9, hit(evidence.ScannerUA, evidence.Medium, 3, sample(4, "/", 404, ua)))
	r := Build(BuildInput{
		Input:  Input{Parsed: 10},
		Actors: []evidence.Actor{a},
		Verdicts: []analysis.Verdict{{Actor: a.Actor, Severity: evidence.High, Categories: a.Categories,
			Rationale: "Used an attack tool's user agent (" + ua + ") in 3 requests.", Source: "model"}},
		Recommendations: []analysis.Recommendation{{Priority: 1, Kind: analysis.ActionWAFCustom, Title: "Visit www.evil.co to " + ua}},
	})
	const link = "https://console.aws.amazon.com/s3/object/b?prefix=reports/x.html"
	var mail bytes.Buffer
	if err := EmailText(&mail, r, EmailLinks{Console: link}); err != nil {
		t.Fatal(err)
	}
	out := strings.ReplaceAll(mail.String(), link, "")
	if !strings.Contains(mail.String(), link) {
		t.Error("the report link itself was changed")
	}
	if !strings.Contains(out, "evil[.]co") {
		t.Errorf("the rationale is missing or not defanged:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if linkable.MatchString(l) {
			t.Errorf("a mail client would link %q", l)
		}
	}
}
