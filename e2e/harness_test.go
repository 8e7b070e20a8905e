package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"gopkg.in/yaml.v3"
)

// How the pieces are wired (docs/design.md §8):
//
//	test ──SDK──▶ moto_server (S3, SNS, SQS, EventBridge, Step Functions)
//	moto's Step Functions interpreter ──Lambda Invoke──▶ http://localhost:$MOTO_PORT = router (this test)
//	router ──▶ one aws-lambda-rie per function, running the real bootstrap binary
//	bootstrap ──SDK──▶ moto_server (S3, SNS) and the Bedrock test server
//
// moto_server sets MOTO_PORT only when it is unset, so starting it with MOTO_PORT=<router port>
// points its interpreter at the router, which proxies everything that is not a Lambda invoke back.

const (
	region    = "us-east-1"
	accountID = "123456789012"
)

// functionIDs are the template's function logical IDs, and the Makefile's build targets.
var functionIDs = []string{"ParseFunction", "FilterFunction", "AnalyzeFunction", "AggregateFunction", "NotifyFunction", "FetchFunction"}

var stageDirs = map[string]string{
	"ParseFunction":     "parse",
	"FilterFunction":    "filter",
	"AnalyzeFunction":   "analyze",
	"AggregateFunction": "aggregate",
	"NotifyFunction":    "notify",
	"FetchFunction":     "fetch",
}

// ---------------------------------------------------------------- binaries

var builds struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
	os.Exit(code)
}

// binaries builds, once per test binary, the RIE, the stub and whichever functions/<stage> exist, for
// the host (the deployed build is linux/arm64; the code is the same).
func binaries(t *testing.T) string {
	t.Helper()
	builds.once.Do(func() {
		builds.dir, builds.err = os.MkdirTemp("", "logsift-e2e-bin-")
		if builds.err != nil {
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			builds.err = err
			return
		}
		pkgs := []string{"./e2e/testdata/stub"}
		for _, id := range functionIDs {
			if _, err := os.Stat(filepath.Join("..", "functions", stageDirs[id], "main.go")); err == nil {
				pkgs = append(pkgs, "./functions/"+stageDirs[id])
			}
		}
		start := time.Now()
		for _, args := range [][]string{
			append([]string{"build", "-trimpath", "-tags", "lambda.norpc", "-o", builds.dir + "/"}, pkgs...),
			{"build", "-o", filepath.Join(builds.dir, "aws-lambda-rie"), "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"},
		} {
			cmd := exec.Command(goBin, args...)
			cmd.Dir = ".."
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				builds.err = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
				return
			}
		}
		fmt.Fprintf(os.Stderr, "e2e: built %d binaries in %v\n", len(pkgs)+1, time.Since(start).Round(time.Millisecond))
	})
	if builds.err != nil {
		t.Fatalf("build: %v", builds.err)
	}
	return builds.dir
}

// functionBinary is the bootstrap for a function, failing the test when functions/<stage> is missing.
func functionBinary(t *testing.T, id string) string {
	p := filepath.Join(binaries(t), stageDirs[id])
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no bootstrap for %s: functions/%s/main.go missing?", id, stageDirs[id])
	}
	return p
}

// ---------------------------------------------------------------- processes

// ports handed out by freePort: tests run in parallel, and a port is closed again before its
// process binds it, so never hand the same one out twice. Ports come from below the kernel's
// ephemeral range (32768 and up on Linux), so that another test binary's httptest server, which
// binds port 0, cannot be given a port between our check and the process binding it.
var ports struct {
	sync.Mutex
	used map[int]bool
	next int
}

const portLow, portHigh = 20000, 32000

func freePort(t *testing.T) int {
	t.Helper()
	ports.Lock()
	defer ports.Unlock()
	if ports.used == nil {
		ports.used = map[int]bool{}
		// Start where another e2e binary on the machine (a second checkout) is unlikely to.
		ports.next = portLow + os.Getpid()%(portHigh-portLow)
	}
	for range portHigh - portLow {
		p := ports.next
		if ports.next++; ports.next >= portHigh {
			ports.next = portLow
		}
		if ports.used[p] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		l.Close()
		ports.used[p] = true
		return p
	}
	t.Fatal("no free port")
	return 0
}

// startProcess starts cmd in its own process group, logs to a file under the test's temp dir, and
// kills the group (by its id) when the test ends, passed or not. On failure the log's tail is shown.
func startProcess(t *testing.T, name string, cmd *exec.Cmd) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		syscall.Kill(-pid, syscall.SIGKILL)
		cmd.Wait()
		f.Close()
		if t.Failed() || os.Getenv("E2E_LOGS") != "" {
			b, _ := os.ReadFile(logPath)
			if len(b) > 6000 && os.Getenv("E2E_LOGS") == "" {
				b = b[len(b)-6000:]
			}
			t.Logf("---- %s log (tail) ----\n%s", name, b)
		}
	})
}

func waitTCP(t *testing.T, addr string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not listening after %v: %v", addr, d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startMoto starts a fresh moto_server whose Step Functions interpreter sends Lambda invokes to
// routerPort, and switches execution on.
func startMoto(t *testing.T, routerPort int) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		requireInCI(t, "moto_server not on PATH (moto 5.2.1 with Flask, see docs/design.md §8): %v", err)
	}
	port := freePort(t)
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "MOTO_PORT="+strconv.Itoa(routerPort))
	startProcess(t, "moto", cmd)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	// Generous: on a loaded 2-core machine moto (Python, Flask) can take a while to start.
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Post(base+"/moto-api/config", "application/json",
			strings.NewReader(`{"stepfunctions":{"execute_state_machine":true},"lambda":{"use_docker":false}}`))
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
				t.Fatalf("moto config: %s: %s", resp.Status, body)
			}
			return base
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server not ready: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lambdaFn is one function under its own Runtime Interface Emulator.
type lambdaFn struct {
	id      string
	url     string     // the RIE's invoke URL
	mu      sync.Mutex // the RIE crashes on a second concurrent invoke
	invokes atomic.Int32
	errors  atomic.Int32
	// crashes is how many of the next invokes end as if the function crashed after doing its work
	// and before answering (the sandbox died): the caller sees Lambda's answer for a runtime exit.
	crashes atomic.Int32
}

func startFunction(t *testing.T, id, bootstrap string, env []string, timeout string) *lambdaFn {
	t.Helper()
	riePort, apiPort := freePort(t), freePort(t)
	cmd := exec.Command(filepath.Join(binaries(t), "aws-lambda-rie"),
		"--runtime-interface-emulator-address", fmt.Sprintf("127.0.0.1:%d", riePort),
		"--runtime-api-address", fmt.Sprintf("127.0.0.1:%d", apiPort),
		bootstrap)
	cmd.Dir = t.TempDir() // the function's working directory, like /var/task
	cmd.Env = append(env,
		"AWS_LAMBDA_FUNCTION_NAME="+id,
		"AWS_LAMBDA_FUNCTION_TIMEOUT="+timeout,
		"LOG_LEVEL=warn",
		"TMPDIR="+t.TempDir(),
	)
	startProcess(t, id, cmd)
	waitTCP(t, fmt.Sprintf("127.0.0.1:%d", riePort), 10*time.Second)
	return &lambdaFn{id: id, url: fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", riePort)}
}

// invoke passes one Lambda Invoke to the RIE and answers as the Lambda service does: a handler
// error comes back as 200 with X-Amz-Function-Error, which the RIE leaves out.
func (f *lambdaFn) invoke(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.invokes.Add(1)
	resp, err := http.Post(f.url, "application/json", bytes.NewReader(body))
	if err != nil {
		w.Header().Set("X-Amzn-ErrorType", "ServiceException")
		http.Error(w, `{"Type":"Service","Message":"`+err.Error()+`"}`, http.StatusInternalServerError)
		return
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	status := resp.StatusCode
	if f.crashes.Load() > 0 {
		f.crashes.Add(-1)
		status, out = http.StatusBadGateway, []byte(`{"errorType":"Runtime.ExitError","errorMessage":"RequestId: e2e Error: Runtime exited with error: signal: killed"}`)
	}
	var payload struct {
		ErrorType    *string `json:"errorType"`
		ErrorMessage *string `json:"errorMessage"`
	}
	switch {
	case (status == http.StatusOK || status == http.StatusBadGateway) && json.Unmarshal(out, &payload) == nil && payload.ErrorType != nil && payload.ErrorMessage != nil:
		// A handler error (200) or a runtime that exited or panicked (the RIE answers 502).
		f.errors.Add(1)
		status = http.StatusOK
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
	case status == http.StatusOK && bytes.HasPrefix(out, []byte("Task timed out after ")):
		// The RIE's plain-text timeout, as Lambda reports it.
		f.errors.Add(1)
		out, _ = json.Marshal(map[string]string{"errorType": "Sandbox.Timedout", "errorMessage": "RequestId: e2e Error: " + string(out)})
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	w.WriteHeader(status)
	w.Write(out)
}

// router stands where moto's interpreter expects the Lambda service.
type router struct {
	moto *httputil.ReverseProxy
	fns  map[string]*lambdaFn // by function name
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const prefix, suffix = "/2015-03-31/functions/", "/invocations"
	p := r.URL.EscapedPath()
	if r.Method == http.MethodPost && strings.HasPrefix(p, prefix) && strings.HasSuffix(p, suffix) {
		name, err := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(p, prefix), suffix))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] or NAME
		if _, rest, ok := strings.Cut(name, ":function:"); ok {
			name, _, _ = strings.Cut(rest, ":")
		}
		if f := rt.fns[name]; f != nil {
			f.invoke(w, r)
			return
		}
		w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"Type":"User","Message":"Function not found: %s"}`, name)
		return
	}
	rt.moto.ServeHTTP(w, r)
}

func startRouter(t *testing.T, port int, motoURL string, fns map[string]*lambdaFn) {
	t.Helper()
	u, err := url.Parse(motoURL)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	srv := &http.Server{Handler: &router{moto: httputil.NewSingleHostReverseProxy(u), fns: fns}}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}

// ---------------------------------------------------------------- the stack

// stackOptions choose what runs and how it is configured.
type stackOptions struct {
	// binaries maps function logical IDs to bootstrap paths (default: the real functions).
	binaries map[string]string
	// params override template parameter defaults (UseModel, AllowlistCIDRs, ...).
	params map[string]string
	// env is added to every function's environment.
	env []string
	// bedrockURL is the Bedrock test server the functions call (through their proxies).
	bedrockURL string
	// amplifyURL is the Amplify API test server (internal/amplifytest) the fetch function calls.
	amplifyURL string
	// timeouts override functions' Timeout (seconds, by logical ID): the Lambda deadline the
	// emulator gives the handler's context.
	timeouts map[string]string
	// fastRetries shortens every Retry's IntervalSeconds to 1 s (moto's interpreter really sleeps),
	// for tests that go through a state machine retry. Nothing else in the definition changes.
	fastRetries bool
	// unconfirmed leaves the topic without a confirmed subscription, as a stack is until its
	// owner confirms the subscription email; confirmSubscription then subscribes the mail queue.
	unconfirmed bool
}

// stack is one deployment of template.yaml on a fresh moto_server.
type stack struct {
	t       *testing.T
	motoURL string
	fns     map[string]*lambdaFn

	s3     *s3.Client
	sns    *sns.Client
	sqs    *sqs.Client
	sfn    *sfn.Client
	events *eventbridge.Client

	bucket, topicARN, mailQueue, mailQueueARN, eventQueue, stateMachineARN string
	definition                                                             string // with the substitutions filled in
	executions                                                             int

	tpl     *cfnTemplate
	cfn     *cfnEnv
	proxies map[string]*awsProxy // by function logical ID
}

func functionARN(id string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, accountID, id)
}

// stackEnv resolves the template as CloudFormation would for a stack in region with the
// parameters' defaults, a notification address, and params.
func stackEnv(tpl *cfnTemplate, region, bucket, topicARN string, params map[string]string) *cfnEnv {
	refs := map[string]string{
		"AWS::Region": region, "AWS::AccountId": accountID, "AWS::Partition": "aws",
		"AWS::StackName": "logsift", "AWS::URLSuffix": "amazonaws.com",
		"LogBucket": bucket, "ReportTopic": topicARN, "NotificationEmail": "security@example.com",
	}
	for k, v := range tpl.parameterDefaults() {
		refs[k] = v
	}
	for k, v := range params {
		refs[k] = v
	}
	for _, id := range functionIDs {
		refs[id] = id
	}
	return templateEnv(tpl, refs, func(id, attr string) (string, error) {
		switch {
		case attr == "Arn" && stageDirs[id] != "":
			return functionARN(id), nil
		case id == "LogBucket" && attr == "Arn":
			return "arn:aws:s3:::" + bucket, nil
		case id == "TopicKey" && attr == "Arn":
			return "arn:aws:kms:" + region + ":" + accountID + ":key/00000000-e2e0-0000-0000-000000000000", nil
		}
		return "", fmt.Errorf("!GetAtt %s.%s: not in the test stack", id, attr)
	})
}

// deploy creates what template.yaml creates, from the template itself where moto can run it.
func deploy(t *testing.T, opts stackOptions) *stack {
	t.Helper()
	tpl, err := loadTemplate(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	routerPort := freePort(t)
	st := &stack{t: t, motoURL: startMoto(t, routerPort), fns: map[string]*lambdaFn{}, proxies: map[string]*awsProxy{}, bucket: "logsift-e2e-logs", tpl: tpl}
	ctx := context.Background()
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}
	st.s3 = s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = &st.motoURL; o.UsePathStyle = true })
	st.sns = sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = &st.motoURL })
	st.sqs = sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = &st.motoURL })
	st.sfn = sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = &st.motoURL })
	st.events = eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = &st.motoURL })

	// Bucket with EventBridge notifications on, as LogBucket.
	must(t, "create bucket", func() error {
		_, err := st.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &st.bucket})
		return err
	})
	must(t, "bucket notifications", func() error {
		_, err := st.s3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{
			Bucket: &st.bucket,
			NotificationConfiguration: &s3types.NotificationConfiguration{
				EventBridgeConfiguration: &s3types.EventBridgeConfiguration{},
			},
		})
		return err
	})
	// Topic, read back through an SQS subscription (moto keeps no email outbox). Without raw
	// delivery the SQS message is the SNS envelope, which keeps the subject.
	must(t, "topic", func() error {
		out, err := st.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("logsift-reports")})
		if err == nil {
			st.topicARN = *out.TopicArn
		}
		return err
	})
	var eventQueueARN string
	st.mailQueue, st.mailQueueARN = st.createQueue("logsift-mail")
	st.eventQueue, eventQueueARN = st.createQueue("logsift-events")
	if !opts.unconfirmed {
		st.confirmSubscription()
	}

	env := stackEnv(tpl, region, st.bucket, st.topicARN, opts.params)
	st.cfn = env
	if opts.binaries == nil {
		// The real functions: whatever they did, their roles must have allowed it.
		t.Cleanup(st.checkLeastPrivilege)
	}

	// The EventBridge rule, with an SQS target: moto does not deliver to Step Functions targets.
	pattern, err := env.resolve(lookup(tpl.properties("UploadRule"), "EventPattern"))
	if err != nil {
		t.Fatalf("UploadRule pattern: %v", err)
	}
	patternJSON, _ := json.Marshal(pattern)
	must(t, "rule", func() error {
		_, err := st.events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("logsift-upload"), EventPattern: aws.String(string(patternJSON))})
		if err != nil {
			return err
		}
		_, err = st.events.PutTargets(ctx, &eventbridge.PutTargetsInput{
			Rule:    aws.String("logsift-upload"),
			Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: &eventQueueARN}},
		})
		return err
	})

	// The functions, with the environment the template gives them.
	common := []string{
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=" + region, "AWS_DEFAULT_REGION=" + region,
		"AWS_EC2_METADATA_DISABLED=true", "LOGSIFT_S3_PATH_STYLE=true",
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
	}
	common = append(common, opts.env...)
	globalEnv := lookup(tpl.root, "Globals", "Function", "Environment", "Variables")
	for _, id := range functionIDs {
		vars := []string{}
		for _, block := range []*yaml.Node{globalEnv, lookup(tpl.properties(id), "Environment", "Variables")} {
			for _, k := range mappingKeys(block) {
				v, err := env.resolveString(lookup(block, k))
				if err != nil {
					t.Fatalf("%s environment %s: %v", id, k, err)
				}
				vars = append(vars, k+"="+v)
			}
		}
		bootstrap := opts.binaries[id]
		if bootstrap == "" {
			bootstrap = functionBinary(t, id)
		}
		timeout := "300"
		if n := lookup(tpl.properties(id), "Timeout"); n != nil {
			timeout = n.Value
		}
		if v, ok := opts.timeouts[id]; ok {
			timeout = v
		}
		// Each function reaches AWS through a recording proxy of its own (see iam_test.go).
		proxyURL, proxy := startAWSProxy(t, id, st.motoURL, opts.bedrockURL, opts.amplifyURL)
		st.proxies[id] = proxy
		vars = append(vars, "AWS_ENDPOINT_URL_S3="+proxyURL, "AWS_ENDPOINT_URL_SNS="+proxyURL)
		if opts.bedrockURL != "" {
			vars = append(vars, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME="+proxyURL)
		}
		if opts.amplifyURL != "" {
			vars = append(vars, "AWS_ENDPOINT_URL_AMPLIFY="+proxyURL)
		}
		st.fns[id] = startFunction(t, id, bootstrap, append(append([]string{}, common...), vars...), timeout)
	}
	startRouter(t, routerPort, st.motoURL, st.fns)
	t.Logf("deploy: functions up after %v", time.Since(began).Round(time.Millisecond))

	// The state machine, from the real definition with the template's substitutions.
	def, err := os.ReadFile(definitionPath)
	if err != nil {
		t.Fatal(err)
	}
	subs := lookup(tpl.properties("LogsiftStateMachine"), "DefinitionSubstitutions")
	definition := string(def)
	for _, k := range mappingKeys(subs) {
		v, err := env.resolveString(lookup(subs, k))
		if err != nil {
			t.Fatalf("DefinitionSubstitutions %s: %v", k, err)
		}
		definition = strings.ReplaceAll(definition, "${"+k+"}", v)
	}
	if opts.fastRetries {
		definition = shortenRetries(t, definition)
	}
	st.definition = definition
	st.createStateMachine() // checks the definition now; moto validates it on create
	return st
}

// shortenRetries sets every Retry's IntervalSeconds to 1 and caps MaxDelaySeconds at 2.
func shortenRetries(t *testing.T, definition string) string {
	t.Helper()
	var def map[string]any
	if err := json.Unmarshal([]byte(definition), &def); err != nil {
		t.Fatal(err)
	}
	n := 0
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if rs, ok := v["Retry"].([]any); ok {
				for _, r := range rs {
					r := r.(map[string]any)
					r["IntervalSeconds"] = 1
					if _, ok := r["MaxDelaySeconds"]; ok {
						r["MaxDelaySeconds"] = 2
					}
					n++
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(def)
	if n == 0 {
		t.Fatal("definition has no Retry to shorten")
	}
	b, err := json.Marshal(def)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func must(t *testing.T, what string, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// sfnRegions hold one state machine each. moto 5.2.1 deep-copies a state machine on StartExecution,
// and with it its backend (one per region), which fails once an execution has run there ("cannot
// pickle '_thread.RLock'"). So every execution gets a state machine in a region of its own; the
// function ARNs in the definition, and so the router, stay the same.
var sfnRegions = []string{"us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"}

func (st *stack) inRegion(o *sfn.Options) { o.Region = sfnRegions[st.executions] }

// regionOf sends a call to the region of an execution ARN.
func regionOf(arn string) func(*sfn.Options) {
	parts := strings.Split(arn, ":")
	return func(o *sfn.Options) {
		if len(parts) > 3 {
			o.Region = parts[3]
		}
	}
}

func (st *stack) createStateMachine() {
	st.t.Helper()
	if st.executions >= len(sfnRegions) {
		st.t.Fatalf("more than %d executions in one test", len(sfnRegions))
	}
	out, err := st.sfn.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name:       aws.String("logsift"),
		Definition: &st.definition,
		RoleArn:    aws.String("arn:aws:iam::" + accountID + ":role/logsift-states"),
		Type:       sfntypes.StateMachineTypeStandard,
	}, st.inRegion)
	if err != nil {
		st.t.Fatalf("create state machine: %v", err)
	}
	st.stateMachineARN = *out.StateMachineArn
}

// confirmSubscription subscribes the mail queue to the topic. moto 5.2.1 lists every subscription
// with its ARN (it never shows "PendingConfirmation", and ConfirmSubscription changes nothing), so
// a stack waiting for its owner to confirm is a topic without a subscription, and confirming is
// subscribing: either way ListSubscriptionsByTopic shows no confirmed subscription, then one.
func (st *stack) confirmSubscription() {
	st.t.Helper()
	must(st.t, "subscribe", func() error {
		_, err := st.sns.Subscribe(context.Background(), &sns.SubscribeInput{
			TopicArn: &st.topicARN, Protocol: aws.String("sqs"), Endpoint: &st.mailQueueARN,
		})
		return err
	})
}

func (st *stack) createQueue(name string) (queueURL, arn string) {
	ctx := context.Background()
	out, err := st.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name})
	if err != nil {
		st.t.Fatalf("queue %s: %v", name, err)
	}
	attrs, err := st.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		st.t.Fatalf("queue %s: %v", name, err)
	}
	return *out.QueueUrl, attrs.Attributes["QueueArn"]
}

// upload puts an object under the given key and returns the EventBridge event the rule matched.
func (st *stack) upload(key string, body []byte) json.RawMessage {
	st.t.Helper()
	if _, err := st.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &st.bucket, Key: &key, Body: bytes.NewReader(body)}); err != nil {
		st.t.Fatalf("upload %s: %v", key, err)
	}
	msgs := st.receive(st.eventQueue, 1, 10*time.Second)
	if len(msgs) == 0 {
		st.t.Fatalf("upload %s: the rule matched no event", key)
	}
	return normaliseEvent(st.t, msgs[0])
}

// normaliseEvent fixes what moto 5.2.1 writes differently from S3: the object's ETag is "etag" in
// real S3 events (AWS docs, "Amazon S3 event message structure" for EventBridge) and "eTag" in moto's.
func normaliseEvent(t *testing.T, raw string) json.RawMessage {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		t.Fatalf("event: %v\n%s", err, raw)
	}
	detail, _ := ev["detail"].(map[string]any)
	obj, _ := detail["object"].(map[string]any)
	if obj == nil {
		t.Fatalf("event without detail.object: %s", raw)
	}
	if v, ok := obj["eTag"]; ok {
		if _, ok := obj["etag"]; !ok {
			obj["etag"] = v
			delete(obj, "eTag")
		}
	}
	b, _ := json.Marshal(ev)
	return b
}

// receive reads up to n messages from a queue, waiting at most d for the first.
func (st *stack) receive(queueURL string, n int, d time.Duration) []string {
	st.t.Helper()
	var out []string
	deadline := time.Now().Add(d)
	for len(out) < n && time.Now().Before(deadline) {
		resp, err := st.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: &queueURL, MaxNumberOfMessages: int32(min(n-len(out), 10)), WaitTimeSeconds: 1,
		})
		if err != nil {
			st.t.Fatalf("receive: %v", err)
		}
		for _, m := range resp.Messages {
			out = append(out, aws.ToString(m.Body))
			st.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: &queueURL, ReceiptHandle: m.ReceiptHandle})
		}
	}
	return out
}

// execute starts the state machine with the event and waits for it to end.
func (st *stack) execute(event json.RawMessage, d time.Duration) *sfn.DescribeExecutionOutput {
	st.t.Helper()
	if st.stateMachineARN == "" {
		st.createStateMachine()
	}
	return st.run(string(event), d)
}

// run starts the current state machine with input and waits for the execution to end.
func (st *stack) run(input string, d time.Duration) *sfn.DescribeExecutionOutput {
	st.t.Helper()
	ctx := context.Background()
	// EventBridge names each execution itself (a UUID); moto names it "None" when no name is given.
	name := fmt.Sprintf("e2e-%d", st.executions)
	start, err := st.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &st.stateMachineARN, Name: &name, Input: &input}, st.inRegion)
	defer func() { st.executions++; st.stateMachineARN = "" }()
	if err != nil {
		st.t.Fatalf("start execution: %v", err)
	}
	started := time.Now()
	deadline := started.Add(d)
	for {
		out, err := st.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn}, st.inRegion)
		if err != nil {
			st.t.Fatalf("describe execution: %v", err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			st.t.Logf("execution %s after %v", out.Status, time.Since(started).Round(time.Millisecond))
			return out
		}
		if time.Now().After(deadline) {
			st.t.Fatalf("execution still running after %v; history:\n%s", d, st.history(*start.ExecutionArn))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// failedState is the state a failed execution was in when it failed, and the input that state
// was entered with: what a redrive reruns (for a top-level state).
func (st *stack) failedState(arn string) (name, input string) {
	st.t.Helper()
	out, err := st.sfn.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: &arn}, regionOf(arn))
	if err != nil {
		st.t.Fatalf("history: %v", err)
	}
	for _, e := range out.Events {
		if d := e.StateEnteredEventDetails; d != nil {
			name, input = aws.ToString(d.Name), aws.ToString(d.Input)
		}
		if e.Type == sfntypes.HistoryEventTypeExecutionFailed {
			return name, input
		}
	}
	st.t.Fatalf("execution %s did not fail; history:\n%s", arn, st.history(arn))
	return "", ""
}

// redrive does for a failed execution what Step Functions' RedriveExecution does, which moto
// 5.2.1 does not implement (it has no RedriveExecution): it reruns the execution from the state
// it failed in, with the input that state was entered with, under the same definition, and
// waits for it to end. What is exercised: the failed Task runs again with its original input
// and the states after it follow, as the AWS documentation defines redrive for a Task state
// ("Redriving executions", redrive behavior of individual states). What is not: the redriven
// execution is a new one (its own ARN, and the same definition whose StartAt is that state, in
// a region of its own, because moto runs one execution per region), not the original ARN with
// history appended; only a top-level failed state is handled (no Map iteration redrive).
func (st *stack) redrive(failedARN string, d time.Duration) *sfn.DescribeExecutionOutput {
	st.t.Helper()
	name, input := st.failedState(failedARN)
	var def map[string]any
	if err := json.Unmarshal([]byte(st.definition), &def); err != nil {
		st.t.Fatal(err)
	}
	if states, _ := def["States"].(map[string]any); states[name] == nil {
		st.t.Fatalf("redrive: %q is not a top-level state", name)
	}
	def["StartAt"] = name
	b, err := json.Marshal(def)
	if err != nil {
		st.t.Fatal(err)
	}
	saved := st.definition
	st.definition = string(b)
	st.createStateMachine()
	st.definition = saved
	st.t.Logf("redrive %s from %s", failedARN, name)
	return st.run(input, d)
}

// history renders an execution's events, one line each, for failure messages.
func (st *stack) history(arn string) string {
	out, err := st.sfn.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: &arn}, regionOf(arn))
	if err != nil {
		return "history: " + err.Error()
	}
	var b strings.Builder
	for _, e := range out.Events {
		fmt.Fprintf(&b, "%3d %s", e.Id, e.Type)
		switch {
		case e.StateEnteredEventDetails != nil:
			fmt.Fprintf(&b, " %s", aws.ToString(e.StateEnteredEventDetails.Name))
		case e.TaskFailedEventDetails != nil:
			fmt.Fprintf(&b, " %s: %.300s", aws.ToString(e.TaskFailedEventDetails.Error), aws.ToString(e.TaskFailedEventDetails.Cause))
		case e.LambdaFunctionFailedEventDetails != nil:
			fmt.Fprintf(&b, " %s: %.300s", aws.ToString(e.LambdaFunctionFailedEventDetails.Error), aws.ToString(e.LambdaFunctionFailedEventDetails.Cause))
		case e.ExecutionFailedEventDetails != nil:
			fmt.Fprintf(&b, " %s: %.300s", aws.ToString(e.ExecutionFailedEventDetails.Error), aws.ToString(e.ExecutionFailedEventDetails.Cause))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// stateOutputs returns each state's output by state name (the last one for states inside the Map).
func (st *stack) stateOutputs(arn string) map[string][]string {
	out, err := st.sfn.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: &arn}, regionOf(arn))
	if err != nil {
		st.t.Fatalf("history: %v", err)
	}
	m := map[string][]string{}
	for _, e := range out.Events {
		if d := e.StateExitedEventDetails; d != nil {
			m[aws.ToString(d.Name)] = append(m[aws.ToString(d.Name)], aws.ToString(d.Output))
		}
	}
	return m
}

// invoke calls a function directly, as EventBridge Scheduler does with the schedule's Input, and
// returns its answer; a handler error fails the test.
func (st *stack) invoke(id string, payload string) json.RawMessage {
	st.t.Helper()
	f := st.fns[id]
	f.mu.Lock()
	defer f.mu.Unlock()
	f.invokes.Add(1)
	resp, err := http.Post(f.url, "application/json", strings.NewReader(payload))
	if err != nil {
		st.t.Fatalf("invoke %s: %v", id, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		st.t.Fatalf("invoke %s: %v", id, err)
	}
	var fail struct {
		ErrorType    *string `json:"errorType"`
		ErrorMessage *string `json:"errorMessage"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(out, &fail) == nil && fail.ErrorType != nil {
		st.t.Fatalf("invoke %s: %s %s", id, resp.Status, out)
	}
	return out
}
