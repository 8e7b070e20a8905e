package hostile

import (
	"time"

	"github.com/logsift/logsift/internal/logformat"
)

// Case is one corpus file and the outcome every entry point (the local run,
// the AWS Parse stage, the CLI) must reach on it.
type Case struct {
	Name      string // file name in testdata/hostile, or in Files when Generated
	Generated bool
	// MaxInflatedBytes is the gzip limit the case runs with (0: the default).
	MaxInflatedBytes int64
	Want             Want
	// Skip, when set, says why the case fails today (a bug reported to the
	// owner of the package); the tests skip it with this text.
	Skip string
}

// Want is the expected outcome: an error, or a report of the input.
type Want struct {
	// Err is the sentinel the error must wrap (logformat.ErrNotALog or
	// logformat.ErrInputTooLarge); nil means the run yields a report.
	Err error
	// Reason appears in the error message.
	Reason string

	// The report's account of the input, counted from how the file was
	// made, never by the parser. Reasons holds every rejection reason.
	Lines, Parsed, Skipped, Rejected int64
	Reasons                          map[string]int64
	// Limited: reading stops at a size limit in the middle of the data, so
	// Parsed is only bounded: between MinParsed and Parsed, with at most one
	// line rejected as "truncated" and Lines not checked beyond the sum.
	Limited   bool
	MinParsed int64
	// EndedEarly appears in Input.Errors ("" means Errors must be empty).
	EndedEarly string
	// First and Last bound the log time of the parsed rows (zero: not checked).
	First, Last time.Time
	// Findings says the file plants attacks the rules must report (CLI exit
	// status 1); without it the CLI must exit 0.
	Findings bool
	// Shows lists attacker-supplied text every rendered report must carry
	// (escaped), so the render checks cannot pass on a report that left
	// the payload out.
	Shows []string
	// MaxAlloc bounds the bytes allocated (TotalAlloc growth) while one
	// entry point reads the file; 0 means not measured.
	MaxAlloc uint64
}

// BombLimit is the MaxInflatedBytes the bomb runs with when reading is to
// stop in the middle of its rows; BombSniffLimit stops it before the 64 KiB
// logsift sniffs the format from, so there is no row to report.
const (
	BombLimit      = 1 << 20
	BombSniffLimit = 16 << 10
)

var notALog, tooLarge = logformat.ErrNotALog, logformat.ErrInputTooLarge

// Cases is the corpus. The counts for checked-in files were counted by hand
// from the files (testdata/hostile/README.md says what each holds); for
// generated files they come from the constants the generator uses.
var Cases = []Case{
	// Nothing to read is not an error: an empty report.
	{Name: "empty.log", Want: Want{}},
	{Name: "empty.log.gz", Generated: true, Want: Want{}},
	{Name: "amplify-header-only.csv", Want: Want{Lines: 1, Skipped: 1}},
	{Name: "cloudfront-header-only.log", Want: Want{Lines: 2, Skipped: 2}},

	// Not a log: one error naming the reason.
	{Name: "image.png", Generated: true, Want: Want{Err: notALog, Reason: "PNG image"}},
	{Name: "program.elf", Generated: true, Want: Want{Err: notALog, Reason: "ELF executable"}},
	{Name: "prose.txt", Want: Want{Err: notALog, Reason: "no line matches a known format"}},
	{Name: "other.csv", Want: Want{Err: notALog, Reason: "no line matches a known format"}},
	{Name: "data.json", Want: Want{Err: notALog, Reason: "no line matches a known format"}},
	{Name: "amplify-missing-status.csv", Want: Want{Err: notALog, Reason: `lacks required column "sc-status"`}},
	{Name: "amplify-utf16.csv", Generated: true, Want: Want{Err: notALog, Reason: "binary data"}},
	{Name: "amplify-cr-only.csv", Want: Want{Err: notALog, Reason: "Amplify header"}},
	{Name: "nested.log.gz.gz", Generated: true, Want: Want{Err: notALog, Reason: "nested gzip"}},
	{Name: "header-cut.log.gz", Generated: true, Want: Want{Err: notALog, Reason: "gzip"}},
	{Name: "bomb.log.gz", Generated: true, MaxInflatedBytes: BombSniffLimit,
		Want: Want{Err: tooLarge, Reason: "more than 16384 bytes after decompression", MaxAlloc: 16 << 20}},

	// Damaged or odd input: a report that accounts for every line.
	{Name: "truncated.log.gz", Generated: true, Want: Want{
		Lines: TruncatedLines + 1, Parsed: TruncatedLines, Rejected: 1,
		Reasons: map[string]int64{"truncated": 1}, EndedEarly: "unexpected EOF"}},
	{Name: "bad-checksum.log.gz", Generated: true, Want: Want{
		Lines: GzipLines, Parsed: GzipLines, EndedEarly: "invalid checksum"}},
	{Name: "trailing-garbage.log.gz", Generated: true, Want: Want{
		Lines: GzipLines, Parsed: GzipLines, EndedEarly: "invalid header"}},
	{Name: "nul-tail.log", Generated: true, Want: Want{
		Lines: NULTailLines + 1, Parsed: NULTailLines, Rejected: 1,
		Reasons: map[string]int64{"line-too-long": 1}}},
	{Name: "bomb.log.gz", Generated: true, MaxInflatedBytes: BombLimit, Want: Want{
		Limited: true, Parsed: BombLimit / int64(len(BombLine)), MinParsed: (BombLimit - 256<<10) / int64(len(BombLine)),
		EndedEarly: "input too large", Findings: true, MaxAlloc: 16 << 20}},
	{Name: "long-line.log", Generated: true, Want: Want{
		Lines: LongLineBefore + 1 + LongLineAfter, Parsed: LongLineBefore + LongLineAfter, Rejected: 1,
		Reasons: map[string]int64{"line-too-long": 1}, MaxAlloc: 16 << 20}},
	{Name: "long-first-line.log", Generated: true, Want: Want{
		Lines: 1 + LongFirstAfter, Parsed: LongFirstAfter, Rejected: 1,
		Reasons: map[string]int64{"line-too-long": 1}}},
	{Name: "invalid-utf8-nul.log", Generated: true, Want: Want{
		Lines: InvalidUTF8Lines, Parsed: InvalidUTF8Lines, Findings: true, Shows: []string{"sqlmap/1.7.2"}}},
	{Name: "injection.log", Generated: true, Want: Want{
		Lines: InjectionParsed + InjectionRejected, Parsed: InjectionParsed, Rejected: InjectionRejected,
		Reasons: map[string]int64{"bad-time": 1}, Findings: true, Shows: []string{"Nikto/2.5.0", "alert("}}},
	{Name: "combined-bom.log", Want: Want{Lines: 5, Parsed: 5}},
	{Name: "amplify-crlf.csv", Want: Want{Lines: 11, Parsed: 10, Skipped: 1}},
	{Name: "amplify-spreadsheet-quoted.csv", Want: Want{Lines: 9, Parsed: 8, Skipped: 1}},
	{Name: "amplify-spreadsheet-semicolon.csv", Want: Want{Lines: 7, Parsed: 6, Skipped: 1}},
	{Name: "amplify-spreadsheet-dates.csv", Want: Want{Lines: 6, Skipped: 1, Rejected: 5,
		Reasons: map[string]int64{"bad-time": 5}}},
	{Name: "amplify-field-count.csv", Want: Want{Lines: 14, Parsed: 8, Skipped: 1, Rejected: 5,
		Reasons: map[string]int64{"field-count": 5}}},
	{Name: "cloudfront-field-count.log", Want: Want{Lines: 10, Parsed: 6, Skipped: 2, Rejected: 2,
		Reasons: map[string]int64{"field-count": 2}}},
	{Name: "mixed-formats.log", Want: Want{Lines: 11, Parsed: 6, Rejected: 5,
		Reasons: map[string]int64{"format-mismatch": 5}}},
	{Name: "timestamps.log", Want: Want{Lines: 8, Parsed: 6, Rejected: 2,
		Reasons: map[string]int64{"bad-time": 2},
		First:   time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		Last:    time.Date(2099, 12, 31, 23, 59, 59, 0, time.UTC)}},
}
