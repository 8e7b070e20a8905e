// Package report holds the security report and renders it as text, Markdown,
// HTML, JSON and email. Every attacker-supplied string is escaped for the
// format it is written in.
//
// Build makes the Report (the JSON document). The other formats read one
// bounded view of it (view.go: what is shown, how many, how long, cleaned of
// control and invisible characters), laid out by one template per format in
// templates/.
package report

import (
	"time"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
)

// SchemaVersion is the version of the JSON report. Bump it when a field changes
// meaning or is removed; adding fields does not change it.
const SchemaVersion = "1"

// Report is the whole result of one run.
type Report struct {
	SchemaVersion string    `json:"schema_version"`
	Generated     time.Time `json:"generated"`
	Source        Source    `json:"source"`
	Input         Input     `json:"input"`
	Summary       Summary   `json:"summary"`
	// Findings has one item per suspicious actor, worst first. Every actor the
	// rules flagged is here whatever the model said.
	Findings  []Finding           `json:"findings"`
	Campaigns []evidence.Campaign `json:"campaigns"`
	// Groups are the clients counted, not detailed: by behaviour, the
	// suspicious ones first, then the weak (evidence.Group).
	Groups    []evidence.Group `json:"groups"`
	Blocklist []BlockEntry     `json:"blocklist"`
	// AddressFile is the complete list of suspicious addresses, one a line,
	// beside the report; nil when none was written.
	AddressFile *AddressFile `json:"address_file,omitempty"`
	// Planted are pages of the site whose visitors' browsers sent the same
	// attack payloads: the page likely carries injected content. Their
	// visitors are not findings (summary.clients.planted counts them);
	// PlantedMore counts the pages left out.
	Planted         []evidence.PlantedPage    `json:"planted_pages,omitempty"`
	PlantedMore     int                       `json:"planted_pages_more,omitempty"`
	Recommendations []analysis.Recommendation `json:"recommendations"`
	Observations    []analysis.Observation    `json:"observations,omitempty"`
	Analysis        AnalysisInfo              `json:"analysis"`
	// Timeline counts all requests over the log's time window, in at most
	// evidence.MaxBuckets buckets.
	Timeline *evidence.Histogram `json:"timeline,omitempty"`
}

// NothingToReport reports whether a person need not see the report: no
// finding, and every line of the input read (none rejected, no read error), so
// that a log that stopped parsing does not pass for a quiet day.
func (r *Report) NothingToReport() bool {
	return len(r.Findings) == 0 && r.Input.Rejected == 0 && len(r.Input.Errors) == 0 && r.Input.Parsed > 0
}

// Source names what was analysed.
type Source struct {
	Name   string `json:"name"` // file path or s3://bucket/key
	ETag   string `json:"etag,omitempty"`
	Size   int64  `json:"size"`
	Format string `json:"format"` // amplify, cloudfront, iis, alb, combined, common
	Gzip   bool   `json:"gzip"`
}

// Input is the account of every line read.
type Input struct {
	Lines      int64            `json:"lines"` // lines read, including headers and comments
	Parsed     int64            `json:"parsed"`
	Skipped    int64            `json:"skipped"` // headers, comments and blank lines
	Rejected   int64            `json:"rejected"`
	Duplicates int64            `json:"duplicates"` // parsed rows repeated by overlapping downloads
	Reasons    map[string]int64 `json:"rejected_reasons,omitempty"`
	Samples    []Rejection      `json:"rejected_samples,omitempty"`
	First      time.Time        `json:"first"` // log time of the earliest parsed row
	Last       time.Time        `json:"last"`
	Actors     int64            `json:"actors"`
	// Errors says why reading stopped early (a truncated gzip, a size limit);
	// the rows before that point are still analysed.
	Errors []string `json:"errors,omitempty"`
}

// Rejection is one rejected line, kept as a sample.
type Rejection struct {
	Line   int64  `json:"line"`
	Reason string `json:"reason"`
	Text   string `json:"text"` // truncated
}

// Summary is what a person reads first.
type Summary struct {
	Severity   evidence.Severity `json:"severity"` // worst finding; info when nothing was found
	Suspicious int               `json:"suspicious_actors"`
	// Grouped counts the actors of suspicious groups (not findings).
	Grouped  int64 `json:"grouped_actors"`
	Requests int64 `json:"suspicious_requests"`
	// Clients accounts for every client of input.actors: suspicious
	// (findings and suspicious groups), weak, lured and clean.
	Clients    evidence.Counts `json:"clients"`
	Categories []CategoryCount `json:"categories"`
	Headline   string          `json:"headline"` // one sentence
	DoNow      []string        `json:"do_now"`   // the two or three most urgent actions
}

// CategoryCount is how many actors were flagged in a category.
type CategoryCount struct {
	Category evidence.Category `json:"category"`
	Actors   int               `json:"actors"`
	Requests int64             `json:"requests"`
}

// Finding is one suspicious actor: the rules' evidence and the verdict.
type Finding struct {
	Actor      string              `json:"actor"` // IPv4 address or IPv6 CIDR
	Severity   evidence.Severity   `json:"severity"`
	Categories []evidence.Category `json:"categories"`
	Confidence float64             `json:"confidence"`
	Rationale  string              `json:"rationale"`
	// VerdictSource is "rules" or "model": who wrote the classification and rationale.
	VerdictSource string         `json:"verdict_source"`
	Evidence      evidence.Actor `json:"evidence"`
	Campaigns     []int          `json:"campaigns,omitempty"` // indexes into Report.Campaigns
}

// BlockEntry is one actor, or one prefix of attackers, to block and why.
type BlockEntry struct {
	CIDR     string            `json:"cidr"` // 192.0.2.7/32 or 2001:db8::/64
	Severity evidence.Severity `json:"severity"`
	Reason   string            `json:"reason"`
	// Addresses is how many of the log's clients (IPv4 addresses, IPv6
	// /64s) the entry covers.
	Addresses int64 `json:"addresses"`
}

// AddressFile names the run's complete list of suspicious addresses.
type AddressFile struct {
	Name      string `json:"name"`      // a file path, or s3://bucket/key
	Addresses int64  `json:"addresses"` // suspicious addresses in it
	// Blockable counts those at BlockMinSeverity or above; Unlisted those of
	// them that no blocklist entry covers (the blocklist is bounded).
	Blockable int64 `json:"blockable"`
	Unlisted  int64 `json:"unlisted"`
}

// AnalysisInfo says who analysed what and at what cost.
type AnalysisInfo struct {
	Analyzer         string `json:"analyzer"` // "offline" or the Bedrock model id
	ModelUnavailable bool   `json:"model_unavailable"`
	// Why says why the model was unavailable (the first reason a run met).
	Why       *analysis.Unavailability `json:"model_unavailable_why,omitempty"`
	Notes     []string                 `json:"notes,omitempty"`
	Usage     analysis.Usage           `json:"usage"`
	Truncated bool                     `json:"truncated,omitempty"` // some actors were over the token budget
}
