package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
)

// moto does not enforce IAM, so least privilege is checked another way: every function reaches S3,
// SNS and Bedrock through a recording proxy of its own, each request is turned into the IAM action
// and resource AWS would authorize, and the function's policy in template.yaml must allow it.
// A stage that touches a key, a topic or a model its role does not grant fails the test here
// instead of with AccessDenied after a deployment.

// call is one request a function made, as IAM sees it.
type call struct {
	function string
	action   string // e.g. s3:GetObject
	resource string // ARN
	what     string // the request, for messages
}

// awsProxy forwards one function's AWS requests (to moto, or to the Bedrock test server) and
// records them.
type awsProxy struct {
	function string
	moto     *httputil.ReverseProxy
	bedrock  *httputil.ReverseProxy // nil when there is no Bedrock server
	amplify  *httputil.ReverseProxy // nil when there is no Amplify server

	mu    sync.Mutex
	calls []call
	bad   []string // requests that could not be attributed
	// s3Faults answer the next matching S3 requests with S3's 500 InternalError instead of
	// passing them on, as an S3 outage does.
	s3Faults []s3Fault
}

// s3Fault is a run of S3 500s for the requests match selects.
type s3Fault struct {
	match func(*http.Request) bool
	left  int
}

// failS3 answers the next n S3 requests that match with a 500.
func (p *awsProxy) failS3(n int, match func(*http.Request) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.s3Faults = append(p.s3Faults, s3Fault{match: match, left: n})
}

// s3Fault consumes a fault for r, if one matches.
func (p *awsProxy) s3Fault(r *http.Request) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.s3Faults {
		if f := &p.s3Faults[i]; f.left > 0 && f.match(r) {
			f.left--
			return true
		}
	}
	return false
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/[0-9]+/([^/]+)/([^/]+)/aws4_request`)

func startAWSProxy(t *testing.T, function, motoURL, bedrockURL, amplifyURL string) (string, *awsProxy) {
	t.Helper()
	p := &awsProxy{function: function, moto: reverseProxy(t, motoURL)}
	if bedrockURL != "" {
		p.bedrock = reverseProxy(t, bedrockURL)
	}
	if amplifyURL != "" {
		p.amplify = reverseProxy(t, amplifyURL)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String(), p
}

func reverseProxy(t *testing.T, target string) *httputil.ReverseProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	return httputil.NewSingleHostReverseProxy(u)
}

func (p *awsProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	service := ""
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		service = m[2]
	} else if scope := strings.Split(r.URL.Query().Get("X-Amz-Credential"), "/"); len(scope) == 5 {
		// A presigned URL (the email's report link) signs in the query, with the signer's
		// permissions: its request counts as the function's.
		service = scope[3]
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	switch {
	case service == "s3" && p.s3Fault(r):
		rec.Header().Set("Content-Type", "application/xml")
		rec.WriteHeader(http.StatusInternalServerError)
		io.WriteString(rec, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>E2E0FAULT</RequestId></Error>`)
	case service == "bedrock" && p.bedrock != nil:
		p.bedrock.ServeHTTP(rec, r)
	case service == "amplify" && p.amplify != nil:
		p.amplify.ServeHTTP(rec, r)
	default:
		p.moto.ServeHTTP(rec, r)
	}
	p.record(service, r, body, rec.status)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// record turns a request into the IAM actions it needs.
func (p *awsProxy) record(service string, r *http.Request, body []byte, status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	what := r.Method + " " + r.URL.RequestURI()
	add := func(action, resource string) {
		p.calls = append(p.calls, call{function: p.function, action: action, resource: resource, what: what})
	}
	switch service {
	case "s3":
		// Path style: /bucket[/key]
		path, _ := url.PathUnescape(r.URL.EscapedPath())
		bucket, key, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		q := r.URL.Query()
		obj := "arn:aws:s3:::" + bucket + "/" + key
		switch {
		case key == "" && r.Method == http.MethodGet:
			add("s3:ListBucket", "arn:aws:s3:::"+bucket)
		case key == "":
			p.bad = append(p.bad, "s3 bucket request "+what)
		case r.Method == http.MethodGet:
			add("s3:GetObject", obj)
		case r.Method == http.MethodHead:
			add("s3:GetObject", obj)
			if status == http.StatusNotFound {
				// AWS answers 404 instead of 403 only with ListBucket on the bucket.
				add("s3:ListBucket", "arn:aws:s3:::"+bucket)
			}
		case r.Method == http.MethodPut, r.Method == http.MethodPost:
			add("s3:PutObject", obj) // PutObject and every multipart step
		case r.Method == http.MethodDelete && q.Has("uploadId"):
			add("s3:AbortMultipartUpload", obj)
		case r.Method == http.MethodDelete:
			add("s3:DeleteObject", obj)
		default:
			p.bad = append(p.bad, "s3 "+what)
		}
	case "sns":
		action, topic := snsAction(r, body)
		if action == "" {
			p.bad = append(p.bad, "sns request without an action: "+what)
			return
		}
		add("sns:"+action, topic)
	case "bedrock":
		// POST /model/{modelId}/converse
		path, _ := url.PathUnescape(r.URL.EscapedPath())
		model := strings.TrimSuffix(strings.TrimPrefix(path, "/model/"), "/converse")
		_, fm, ok := strings.Cut(model, ".")
		if !ok || !strings.Contains(fm, ".") {
			p.bad = append(p.bad, "bedrock call with a bare model id "+model+" (the template grants inference profiles)")
			return
		}
		add("bedrock:InvokeModel", fmt.Sprintf("arn:aws:bedrock:%s:%s:inference-profile/%s", region, accountID, model))
		// The profile routes to the foundation model in one of its regions.
		add("bedrock:InvokeModel", "arn:aws:bedrock:us-west-2::foundation-model/"+fm)
	case "amplify":
		// POST /apps/{appId}/accesslogs is GenerateAccessLogs, authorized on the app.
		path, _ := url.PathUnescape(r.URL.EscapedPath())
		app, ok := strings.CutPrefix(path, "/apps/")
		app, op, _ := strings.Cut(app, "/")
		if !ok || op != "accesslogs" || r.Method != http.MethodPost {
			p.bad = append(p.bad, "amplify request the check does not know: "+what)
			return
		}
		add("amplify:GenerateAccessLogs", fmt.Sprintf("arn:aws:amplify:%s:%s:apps/%s", region, accountID, app))
	default:
		p.bad = append(p.bad, fmt.Sprintf("request with no SigV4 service (%q): %s", service, what))
	}
}

// snsAction reads the action and topic of an SNS request (query or JSON protocol).
func snsAction(r *http.Request, body []byte) (action, topic string) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		_, action, _ = strings.Cut(target, ".")
		var in struct{ TopicArn string }
		json.Unmarshal(body, &in)
		return action, in.TopicArn
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return "", ""
	}
	return form.Get("Action"), form.Get("TopicArn")
}

// statement is an Allow statement of a function's policy.
type statement struct {
	actions, resources []string
}

// functionPolicies reads the inline policy statements of every function from the template.
func functionPolicies(t *testing.T, tpl *cfnTemplate, env *cfnEnv) map[string][]statement {
	t.Helper()
	out := map[string][]statement{}
	for _, id := range functionIDs {
		policies := lookup(tpl.properties(id), "Policies")
		if policies == nil || policies.Kind != yaml.SequenceNode {
			t.Fatalf("%s has no Policies list", id)
		}
		for _, pol := range policies.Content {
			stmts := lookup(pol, "Statement")
			if typ := lookup(tpl.root, "Resources", pol.Value, "Type"); pol.Tag == "!Ref" && typ != nil && typ.Value == "AWS::IAM::ManagedPolicy" {
				// A managed policy of the template, shared by several functions.
				stmts = lookup(tpl.properties(pol.Value), "PolicyDocument", "Statement")
			}
			if stmts == nil {
				t.Fatalf("%s: a policy that is neither an inline Statement list nor a managed policy of the template (line %d); the check cannot read it", id, pol.Line)
			}
			for _, s := range stmts.Content {
				if e := lookup(s, "Effect"); e == nil || e.Value != "Allow" || lookup(s, "Condition") != nil {
					t.Fatalf("%s: statement at line %d is not an unconditional Allow; the check cannot read it", id, s.Line)
				}
				var st statement
				for _, f := range []struct {
					key string
					dst *[]string
				}{{"Action", &st.actions}, {"Resource", &st.resources}} {
					v, err := env.resolve(lookup(s, f.key))
					if err != nil {
						t.Fatalf("%s: %s at line %d: %v", id, f.key, s.Line, err)
					}
					switch v := v.(type) {
					case string:
						*f.dst = []string{v}
					case []any:
						for _, x := range v {
							*f.dst = append(*f.dst, x.(string))
						}
					}
				}
				out[id] = append(out[id], st)
			}
		}
	}
	return out
}

// globMatch matches IAM wildcards: * any run of characters, ? one character.
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globMatch(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && globMatch(pattern[1:], s[1:])
}

func (s statement) allows(c call) bool {
	return slices.ContainsFunc(s.actions, func(a string) bool { return globMatch(strings.ToLower(a), strings.ToLower(c.action)) }) &&
		slices.ContainsFunc(s.resources, func(r string) bool { return globMatch(r, c.resource) })
}

// checkLeastPrivilege fails the test for every recorded call the function's policy does not allow.
func (st *stack) checkLeastPrivilege() {
	t := st.t
	t.Helper()
	policies := functionPolicies(t, st.tpl, st.cfn)
	total := 0
	for _, id := range functionIDs {
		p := st.proxies[id]
		p.mu.Lock()
		calls, bad := slices.Clone(p.calls), slices.Clone(p.bad)
		p.mu.Unlock()
		for _, b := range bad {
			t.Errorf("%s: %s", id, b)
		}
		denied := map[string]bool{}
		for _, c := range calls {
			total++
			if !slices.ContainsFunc(policies[id], func(s statement) bool { return s.allows(c) }) && !denied[c.action+c.resource] {
				denied[c.action+c.resource] = true
				t.Errorf("%s: template.yaml does not allow %s on %s (%s)", id, c.action, c.resource, c.what)
			}
		}
	}
	if total == 0 {
		t.Error("no AWS call was recorded")
	}
}
