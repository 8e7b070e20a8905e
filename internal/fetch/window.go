package fetch

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Limits on how far one run reaches back.
const (
	// MaxWindow is the longest window one download covers: a missed day is
	// caught up as its own window, and one report covers at most a day.
	MaxWindow = 24 * time.Hour
	// MaxHistory is how far back Amplify keeps access logs (the console
	// offers two weeks); older windows cannot be fetched any more.
	MaxHistory = 14 * 24 * time.Hour
)

// Window is a half-open range of log time [Start, End).
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

func (w Window) String() string {
	return w.Start.UTC().Format("2006-01-02 15:04") + " to " + w.End.UTC().Format("2006-01-02 15:04") + " UTC"
}

// keyTime is how window bounds appear in object keys: sortable, no colons.
const keyTime = "20060102T1504Z"

// Windows lists, oldest first, the windows a run at now fetches after the
// last successful one ended at last (zero: never fetched). Windows are whole
// hours, because Amplify pads every download to whole hours: an hour-aligned
// window gets exactly its own rows, so adjacent windows do not repeat rows and
// a retried window gets the same rows again. The newest window ends at the
// last full hour; the first run takes the last MaxWindow; a gap is caught up
// in windows of at most MaxWindow, no further back than MaxHistory.
func Windows(last, now time.Time) []Window {
	end := now.UTC().Truncate(time.Hour)
	start := last.UTC().Truncate(time.Hour)
	if last.IsZero() {
		start = end.Add(-MaxWindow)
	}
	if earliest := end.Add(-MaxHistory); start.Before(earliest) {
		start = earliest
	}
	var ws []Window
	for start.Before(end) {
		e := start.Add(MaxWindow)
		if e.After(end) {
			e = end
		}
		ws = append(ws, Window{Start: start, End: e})
		start = e
	}
	return ws
}

// App is one Amplify app and the domain whose access logs are fetched.
type App struct {
	ID     string
	Domain string
}

func (a App) String() string { return a.ID + " (" + a.Domain + ")" }

// The API's own constraint on app ids (GenerateAccessLogs reference); with
// validDomain it also keeps both names safe as parts of an object key.
var appIDPattern = regexp.MustCompile(`^d[a-z0-9]{1,19}$`)

// ParseApps reads the AmplifyApps setting: comma-separated appId:domain pairs.
// Empty means none.
func ParseApps(s string) ([]App, error) {
	var apps []App
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, domain, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("%q: want appId:domain", part)
		}
		app := App{ID: strings.TrimSpace(id), Domain: strings.TrimSuffix(strings.TrimSpace(domain), ".")}
		if err := app.validate(); err != nil {
			return nil, err
		}
		apps = append(apps, app)
	}
	return apps, nil
}

func (a App) validate() error {
	if !appIDPattern.MatchString(a.ID) {
		return fmt.Errorf("%q is not an Amplify app id (d followed by up to 19 lower-case letters and digits)", a.ID)
	}
	if len(a.Domain) > 64 || !validDomain(a.Domain) {
		return fmt.Errorf("%q is not a domain name", a.Domain)
	}
	return nil
}

// validDomain checks the API's domain pattern; Go's regexp has no lookahead,
// so the "no leading hyphen" part is checked by hand.
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
