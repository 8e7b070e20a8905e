// Package amplifytest is a stand-in for the two HTTP endpoints logsift's
// Amplify fetch talks to: the Amplify API's GenerateAccessLogs (REST JSON:
// POST /apps/{appId}/accesslogs with {"domainName","startTime","endTime"} in
// epoch seconds, answering {"logUrl"}; errors named by the X-Amzn-ErrorType
// header with a JSON {"message"}) and the presigned S3 URL it hands out, which
// serves the access-log CSV or, once expired, S3's 403 AccessDenied XML.
//
// Like Amplify, the server pads a requested range to whole hours (rows from
// the hour of startTime up to the end of the hour of endTime, both inclusive),
// so two downloads whose ranges share an hour repeat its rows. Point a real SDK
// client at Server.URL with BaseEndpoint or AWS_ENDPOINT_URL_AMPLIFY.
package amplifytest

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Header is the first line of an Amplify access-log CSV, as the console writes it.
const Header = `date,time,x-edge-location,sc-bytes,c-ip,cs-method,cs\(Host),cs-uri-stem,sc-status,cs\(Referer),cs\(User-Agent),cs-uri-query,cs\(Cookie),x-edge-result-type,x-edge-request-id,x-host-header,cs-protocol,cs-bytes,time-taken,x-forwarded-for,ssl-protocol,ssl-cipher,x-edge-response-result-type,cs-protocol-version,fle-status,fle-encrypted-fields,c-port,time-to-first-byte,x-edge-detailed-result-type,sc-content-type,sc-content-len,sc-range-start,sc-range-end`

// Row formats one CSV row of a GET answered with status, in the console's
// escaping (the user agent is %-encoded, '(' and '=' are backslash-escaped).
func Row(t time.Time, client, path string, status int, requestID, host string) string {
	t = t.UTC()
	ua := `Mozilla/5.0%20\(X11;%20Linux%20x86_64)`
	return fmt.Sprintf("%s,%s,FRA56-P1,512,%s,GET,d111111abcdef8.cloudfront.net,%s,%d,-,%s,-,-,Miss,%s,%s,https,120,0.010,-,TLSv1.3,TLS_AES_128_GCM_SHA256,Miss,HTTP/2.0,-,-,44321,0.009,Miss,text/html,512,-,-",
		t.Format("2006-01-02"), t.Format("15:04:05"), client, path, status, ua, strings.ReplaceAll(requestID, "=", `\=`), host)
}

// Error is a scripted API error: its X-Amzn-ErrorType and status.
type Error struct {
	Type    string // e.g. NotFoundException
	Status  int
	Message string
}

// The errors GenerateAccessLogs answers with.
var (
	ErrNotFound     = Error{"NotFoundException", http.StatusNotFound, "App not found."}
	ErrUnauthorized = Error{"UnauthorizedException", http.StatusUnauthorized, "Unauthorized."}
	ErrLimit        = Error{"LimitExceededException", http.StatusTooManyRequests, "Rate exceeded."}
	ErrThrottling   = Error{"ThrottlingException", http.StatusTooManyRequests, "Rate exceeded."}
	ErrInternal     = Error{"InternalFailureException", http.StatusInternalServerError, "Internal failure."}
)

// Request is one GenerateAccessLogs call as received.
type Request struct {
	AppID, Domain string
	Start, End    time.Time
	Attempt       string // amz-sdk-request, e.g. "attempt=1; max=3"
}

type logRow struct {
	t    time.Time
	line string
}

// Server serves scripted access logs. It is safe for concurrent use.
type Server struct {
	URL string

	ts   *httptest.Server
	mu   sync.Mutex
	logs map[string][]logRow // by appID + "/" + domain
	errs map[string][]Error  // scripted errors by appID, answered before any log URL
	reqs []Request
	// Expired makes every presigned URL answer 403 AccessDenied, as S3 does after X-Amz-Expires.
	expired bool
	// cut ends every CSV body after this many bytes (0: never), announcing the full length.
	cut  int
	gets int
}

// New starts a server; it is closed when Close is called.
func New() *Server {
	s := &Server{logs: map[string][]logRow{}, errs: map[string][]Error{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /apps/{appId}/accesslogs", s.generate)
	mux.HandleFunc("GET /logs/{appId}/{domain}/{start}/{end}", s.download)
	s.ts = httptest.NewServer(mux)
	s.URL = s.ts.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// AddApp makes an app and domain known, with no rows yet.
func (s *Server) AddApp(appID, domain string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := appID + "/" + domain
	if _, ok := s.logs[k]; !ok {
		s.logs[k] = nil
	}
}

// AddRow adds a CSV row (see Row) logged at t to an app's domain.
func (s *Server) AddRow(appID, domain string, t time.Time, line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := appID + "/" + domain
	s.logs[k] = append(s.logs[k], logRow{t: t.UTC(), line: line})
}

// FailNext answers the next n GenerateAccessLogs calls for appID with e.
func (s *Server) FailNext(appID string, n int, e Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.errs[appID] = append(s.errs[appID], e)
	}
}

// ClearFailures drops the errors still scripted for appID.
func (s *Server) ClearFailures(appID string) { s.mu.Lock(); delete(s.errs, appID); s.mu.Unlock() }

// SetExpired makes presigned URLs answer 403 AccessDenied (true) or serve again (false).
func (s *Server) SetExpired(v bool) { s.mu.Lock(); s.expired = v; s.mu.Unlock() }

// CutAfter makes downloads stop after n bytes while announcing the full
// Content-Length, as a dropped connection does (0 turns it off).
func (s *Server) CutAfter(n int) { s.mu.Lock(); s.cut = n; s.mu.Unlock() }

// Requests returns the GenerateAccessLogs calls received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Downloads returns how many presigned URLs were fetched.
func (s *Server) Downloads() int { s.mu.Lock(); defer s.mu.Unlock(); return s.gets }

func (s *Server) generate(w http.ResponseWriter, r *http.Request) {
	appID := r.PathValue("appId")
	var body struct {
		DomainName *string  `json:"domainName"`
		StartTime  *float64 `json:"startTime"`
		EndTime    *float64 `json:"endTime"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil || body.DomainName == nil {
		writeError(w, Error{"BadRequestException", http.StatusBadRequest, "domainName is required."})
		return
	}
	req := Request{AppID: appID, Domain: *body.DomainName, Attempt: r.Header.Get("amz-sdk-request")}
	if body.StartTime != nil {
		req.Start = epoch(*body.StartTime)
	}
	if body.EndTime != nil {
		req.End = epoch(*body.EndTime)
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	var scripted *Error
	if q := s.errs[appID]; len(q) > 0 {
		scripted, s.errs[appID] = &q[0], q[1:]
	}
	if _, known := s.logs[appID+"/"+req.Domain]; !known {
		for k := range s.logs {
			if strings.HasPrefix(k, appID+"/") {
				scripted = &Error{"NotFoundException", http.StatusNotFound, "Domain " + req.Domain + " not found."}
				break
			}
		}
		if scripted == nil {
			scripted = &ErrNotFound
		}
	}
	s.mu.Unlock()
	if scripted != nil {
		writeError(w, *scripted)
		return
	}
	if req.Start.IsZero() || req.End.IsZero() || req.End.Before(req.Start) {
		writeError(w, Error{"BadRequestException", http.StatusBadRequest, "startTime and endTime must form a range."})
		return
	}
	logURL := fmt.Sprintf("%s/logs/%s/%s/%d/%d?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%%2F20261130%%2Fus-east-1%%2Fs3%%2Faws4_request&X-Amz-Expires=3600&X-Amz-Signature=0123456789abcdef",
		s.URL, appID, req.Domain, req.Start.Unix(), req.End.Unix())
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"logUrl": logURL})
}

func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	var start, end int64
	fmt.Sscan(r.PathValue("start"), &start)
	fmt.Sscan(r.PathValue("end"), &end)
	s.mu.Lock()
	s.gets++
	expired, cut := s.expired, s.cut
	// Whole hours: from the start's hour to the end of the end's hour.
	from := time.Unix(start, 0).UTC().Truncate(time.Hour)
	to := time.Unix(end, 0).UTC().Truncate(time.Hour).Add(time.Hour)
	var b strings.Builder
	b.WriteString(Header + "\n")
	for _, row := range s.logs[r.PathValue("appId")+"/"+r.PathValue("domain")] {
		if !row.t.Before(from) && row.t.Before(to) {
			b.WriteString(row.line + "\n")
		}
	}
	s.mu.Unlock()
	if expired {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Error><Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>3600</X-Amz-Expires></Error>`)
		return
	}
	body := b.String()
	w.Header().Set("Content-Type", "text/csv")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	if cut > 0 && cut < len(body) {
		io.WriteString(w, body[:cut])
		w.(http.Flusher).Flush()
		// Drop the connection so the client sees a short body.
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
			}
		}
		return
	}
	io.WriteString(w, body)
}

func writeError(w http.ResponseWriter, e Error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", e.Type+":http://internal.amazon.com/coral/com.amazonaws.amplify/")
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(map[string]string{"message": e.Message})
}

func epoch(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}
