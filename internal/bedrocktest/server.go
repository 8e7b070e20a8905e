// Package bedrocktest is a scripted stand-in for the Bedrock Runtime Converse
// API: an HTTP server that speaks the wire format the AWS SDK for Go sends and
// expects (POST /model/{modelId}/converse, JSON bodies, errors named by
// X-Amzn-ErrorType and __type), answers from a queue of scripted replies, and
// records every request. Point a real SDK client at Server.URL with BaseEndpoint
// or AWS_ENDPOINT_URL_BEDROCK_RUNTIME. It is safe for concurrent requests.
package bedrocktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/bedrock/answer"
	"github.com/logsift/logsift/internal/evidence"
)

// maxBody bounds what the server reads from one request.
const maxBody = 16 << 20

// Reply is one scripted answer. Exactly one of ErrorType, Raw, ToolInput or
// Text decides what is sent, checked in that order.
type Reply struct {
	// ErrorType sends an error response: the X-Amzn-ErrorType header and a
	// {"__type","message"} body, with Status or the status Bedrock uses for it.
	ErrorType string
	Message   string
	Status    int // HTTP status; 0 means the usual one for the reply

	// Raw is sent as the response body as is (with Status, default 200).
	Raw []byte

	// ToolName and ToolInput send an assistant message with one toolUse block.
	ToolName  string
	ToolInput json.RawMessage

	// Text sends an assistant message with one text block.
	Text string

	// Tokens reported in usage; 0 means an estimate (body bytes / 4).
	InputTokens, OutputTokens int

	// Delay holds the reply back, e.g. to exercise client timeouts.
	Delay time.Duration
}

// Responder makes a reply for a request when the queue is empty.
type Responder func(Request) Reply

// Request is one request as the server received it.
type Request struct {
	ModelID     string // unescaped from the path
	EscapedPath string // the path as sent on the wire
	Header      http.Header
	Attempt     int // from amz-sdk-request: attempt=N; max=M (0 when absent)
	MaxAttempts int
	Body        ConverseRequest
	Raw         []byte
	Time        time.Time
}

// Server is a scripted Converse endpoint.
type Server struct {
	URL string

	ts      *httptest.Server
	mu      sync.Mutex
	queue   []Reply
	reqs    []Request
	def     Responder
	counter int
}

// NewServer starts a server. def answers requests when the queue is empty; nil
// means AnswerFromEvidence.
func NewServer(def Responder) *Server {
	if def == nil {
		def = AnswerFromEvidence
	}
	s := &Server{def: def}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.ts.Close() }

// Push queues replies; each request takes the first one left.
func (s *Server) Push(rs ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, rs...)
}

// SetDefault changes what answers requests when the queue is empty.
func (s *Server) SetDefault(def Responder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.def = def
}

// Requests returns a copy of the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Pending is the number of queued replies not yet used.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Reset forgets the recorded requests and the queue.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue, s.reqs = nil, nil
}

var attemptRe = regexp.MustCompile(`attempt=(\d+)(?:;\s*max=(\d+))?`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	if r.Method != http.MethodPost || !strings.HasPrefix(path, "/model/") || !strings.HasSuffix(path, "/converse") {
		writeError(w, Reply{ErrorType: "UnknownOperationException", Status: http.StatusNotFound,
			Message: fmt.Sprintf("bedrocktest: only POST /model/{modelId}/converse is served, not %s %s", r.Method, path)})
		return
	}
	escID := strings.TrimSuffix(strings.TrimPrefix(path, "/model/"), "/converse")
	id, err := url.PathUnescape(escID)
	if err != nil || id == "" || strings.Contains(escID, "/") {
		writeError(w, Reply{ErrorType: "ValidationException", Message: "bedrocktest: bad model id in path " + path})
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeError(w, Reply{ErrorType: "ValidationException", Message: "bedrocktest: reading body: " + err.Error()})
		return
	}
	req := Request{ModelID: id, EscapedPath: path, Header: r.Header.Clone(), Raw: raw, Time: time.Now()}
	if m := attemptRe.FindStringSubmatch(r.Header.Get("Amz-Sdk-Request")); m != nil {
		req.Attempt, _ = strconv.Atoi(m[1])
		req.MaxAttempts, _ = strconv.Atoi(m[2])
	}
	if err := json.Unmarshal(raw, &req.Body); err != nil {
		s.record(req)
		writeError(w, Reply{ErrorType: "SerializationException", Message: "bedrocktest: body is not a Converse request: " + err.Error()})
		return
	}
	rep := s.next(req)
	if rep.Delay > 0 {
		select {
		case <-time.After(rep.Delay):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case rep.ErrorType != "":
		writeError(w, rep)
	case rep.Raw != nil:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(cmpStatus(rep.Status, http.StatusOK))
		w.Write(rep.Raw)
	default:
		s.writeAnswer(w, req, rep)
	}
}

func (s *Server) record(req Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, req)
}

func (s *Server) next(req Request) Reply {
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	if len(s.queue) > 0 {
		rep := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		return rep
	}
	def := s.def
	s.mu.Unlock()
	return def(req)
}

func (s *Server) writeAnswer(w http.ResponseWriter, req Request, rep Reply) {
	s.mu.Lock()
	s.counter++
	n := s.counter
	s.mu.Unlock()

	var block map[string]any
	stop := "end_turn"
	out := 0
	if rep.ToolName != "" || rep.ToolInput != nil {
		name := rep.ToolName
		if name == "" {
			name = req.Body.ForcedTool()
		}
		input := rep.ToolInput
		if input == nil {
			input = json.RawMessage("{}")
		}
		block = map[string]any{"toolUse": map[string]any{
			"toolUseId": fmt.Sprintf("tooluse_bedrocktest_%d", n),
			"name":      name,
			"input":     input,
		}}
		stop = "tool_use"
		out = len(input)/4 + 20
	} else {
		block = map[string]any{"text": rep.Text}
		out = len(rep.Text)/4 + 1
	}
	in := len(req.Raw) / 4
	if rep.InputTokens > 0 {
		in = rep.InputTokens
	}
	if rep.OutputTokens > 0 {
		out = rep.OutputTokens
	}
	body := map[string]any{
		"output": map[string]any{"message": map[string]any{
			"role":    "assistant",
			"content": []any{block},
		}},
		"stopReason": stop,
		"usage":      map[string]any{"inputTokens": in, "outputTokens": out, "totalTokens": in + out},
		"metrics":    map[string]any{"latencyMs": 1},
	}
	b, err := json.Marshal(body)
	if err != nil {
		writeError(w, Reply{ErrorType: "InternalServerException", Message: "bedrocktest: " + err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", fmt.Sprintf("bedrocktest-%d", n))
	w.Write(b)
}

// errorStatus is the HTTP status Bedrock Runtime uses for each error (as in the
// SDK's response snapshots).
var errorStatus = map[string]int{
	"AccessDeniedException":         http.StatusForbidden,
	"ResourceNotFoundException":     http.StatusNotFound,
	"ThrottlingException":           http.StatusTooManyRequests,
	"ModelNotReadyException":        http.StatusTooManyRequests,
	"ModelTimeoutException":         http.StatusRequestTimeout,
	"ModelErrorException":           http.StatusFailedDependency,
	"ValidationException":           http.StatusBadRequest,
	"ServiceQuotaExceededException": http.StatusBadRequest,
	"ConflictException":             http.StatusBadRequest,
	"InternalServerException":       http.StatusInternalServerError,
	"ServiceUnavailableException":   http.StatusServiceUnavailable,
}

func writeError(w http.ResponseWriter, rep Reply) {
	status := cmpStatus(rep.Status, cmpStatus(errorStatus[rep.ErrorType], http.StatusBadRequest))
	msg := rep.Message
	if msg == "" {
		msg = "bedrocktest: scripted " + rep.ErrorType
	}
	b, _ := json.Marshal(map[string]string{"__type": rep.ErrorType, "message": msg})
	w.Header().Set("Content-Type", "application/json")
	// Bedrock appends a namespace after a colon; the SDK strips it.
	w.Header().Set("X-Amzn-ErrorType", rep.ErrorType+":http://internal.amazon.com/coral/com.amazon.bedrock/")
	w.WriteHeader(status)
	w.Write(b)
}

func cmpStatus(s, def int) int {
	if s == 0 {
		return def
	}
	return s
}

// ToolAnswer is a reply calling tool name with input (any value encoding/json
// accepts, or a json.RawMessage). An empty name means the request's forced tool.
func ToolAnswer(name string, input any) Reply {
	b, ok := input.(json.RawMessage)
	if !ok {
		var err error
		if b, err = json.Marshal(input); err != nil {
			panic("bedrocktest: ToolAnswer input: " + err.Error())
		}
	}
	return Reply{ToolName: name, ToolInput: b}
}

// TextAnswer is a reply with plain text and no tool call.
func TextAnswer(text string) Reply { return Reply{Text: text} }

// Error is an error reply of the given type (e.g. "ThrottlingException").
func Error(errType, message string) Reply { return Reply{ErrorType: errType, Message: message} }

// Throttle is a ThrottlingException reply.
func Throttle() Reply {
	return Error("ThrottlingException", "Too many requests, please wait before trying again.")
}

// Bedrock Runtime's refusals of a model that cannot be used, with the
// exception types and messages Bedrock answers them with.

// NoModelAccess is the refusal when the account has no access to the model.
func NoModelAccess() Reply {
	return Error("AccessDeniedException", "You don't have access to the model with the specified model ID.")
}

// NoMarketplaceSubscription is the refusal of a model whose AWS Marketplace
// subscription the caller may not start (its first use in the account).
func NoMarketplaceSubscription() Reply {
	return Error("AccessDeniedException", "Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this model. Refer to the Amazon Bedrock documentation for further details. Your AWS Marketplace subscription for this model cannot be completed at this time. If you recently fixed this issue, try again after 15 minutes.")
}

// UseCaseFormMissing is the refusal of an Anthropic model before the
// account submitted Anthropic's use-case form.
func UseCaseFormMissing() Reply {
	return Error("ResourceNotFoundException", "Model use case details have not been submitted for this account. Fill out the Anthropic use case details form before using the model. If you have already filled out the form, try again in 15 minutes.")
}

// InvalidModelID is the refusal of a model id unknown in the region, such as
// a us. inference profile called from a European region.
func InvalidModelID() Reply {
	return Error("ValidationException", "The provided model identifier is invalid.")
}

// NotAuthorized is IAM's refusal of a caller whose policy does not allow
// bedrock:InvokeModel on resource.
func NotAuthorized(principal, resource string) Reply {
	return Error("AccessDeniedException", fmt.Sprintf("User: %s is not authorized to perform: bedrock:InvokeModel on resource: %s because no identity-based policy allows the bedrock:InvokeModel action", principal, resource))
}

// Repeat returns n copies of r, for Push.
func Repeat(r Reply, n int) []Reply {
	out := make([]Reply, n)
	for i := range out {
		out[i] = r
	}
	return out
}

// AlwaysError returns a Responder failing every request with errType.
func AlwaysError(errType, message string) Responder {
	return func(Request) Reply { return Error(errType, message) }
}

// Slow delays every reply of def by d, as a model that takes its time does;
// the server stops waiting when the client gives up.
func Slow(d time.Duration, def Responder) Responder {
	return func(r Request) Reply {
		rep := def(r)
		rep.Delay = d
		return rep
	}
}

var (
	actorRe    = regexp.MustCompile(`"actor":"([^"\\]+)"`)
	categoryRe = regexp.MustCompile(`"category":"([a-z0-9-]+)"`)
	severityRe = regexp.MustCompile(`"severity":"([a-z]+)"`)
)

// AnswerFromEvidence answers a classify call with a valid verdict for every
// actor in the request's data (the categories and worst severity listed with
// it), and a recommend call with one managed-rule-group recommendation for the
// categories in the request. It relies on the prompt writing evidence as JSON
// with "actor", "category" and "severity" keys; anything else gets a text reply.
func AnswerFromEvidence(req Request) Reply {
	text := req.Body.UserText()
	switch req.Body.ForcedTool() {
	case answer.ClassifyTool:
		return ToolAnswer(answer.ClassifyTool, map[string]any{"verdicts": verdictsFromText(text)})
	case answer.RecommendTool:
		cats := []string{}
		for _, c := range evidence.Categories {
			if strings.Contains(text, `"`+string(c)+`"`) {
				cats = append(cats, string(c))
			}
		}
		return ToolAnswer(answer.RecommendTool, map[string]any{"recommendations": []any{map[string]any{
			"priority":   1,
			"kind":       analysis.ActionWAFManaged,
			"title":      "Enable AWSManagedRulesCommonRuleSet",
			"detail":     "Scripted recommendation from bedrocktest.",
			"categories": cats,
		}}})
	}
	return TextAnswer("bedrocktest: no forced tool in the request")
}

// verdictsFromText splits the evidence text at each "actor" key and gives each
// actor the categories and worst severity that follow it.
func verdictsFromText(text string) []any {
	verdicts := []any{}
	locs := actorRe.FindAllStringSubmatchIndex(text, -1)
	seen := map[string]bool{}
	for i, l := range locs {
		actor := text[l[2]:l[3]]
		end := len(text)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		seg := text[l[1]:end]
		if seen[actor] {
			continue
		}
		seen[actor] = true
		cats := []string{}
		for _, m := range categoryRe.FindAllStringSubmatch(seg, -1) {
			if evidence.Category(m[1]).Valid() && !slices.Contains(cats, m[1]) {
				cats = append(cats, m[1])
			}
		}
		sev := evidence.Info
		for _, m := range severityRe.FindAllStringSubmatch(seg, -1) {
			if s, err := evidence.ParseSeverity(m[1]); err == nil {
				sev = max(sev, s)
			}
		}
		verdicts = append(verdicts, map[string]any{
			"actor":      actor,
			"categories": cats,
			"severity":   sev.String(),
			"confidence": 0.8,
			"rationale":  "Scripted verdict from the categories in the evidence.",
		})
	}
	return verdicts
}
