package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The e2e tests read the real template.yaml: the state machine's DefinitionSubstitutions, the
// EventBridge rule's pattern and the functions' environment come from it, so a renamed variable or a
// broken pattern fails here and not first in a deployment. yaml.v3 (already in go.sum through the
// module graph) parses the CloudFormation short-form tags (!Ref, !Sub, !GetAtt, ...) as tagged nodes;
// resolve below evaluates the few intrinsics the template uses.

const (
	templatePath   = "../template.yaml"
	definitionPath = "../statemachine/logsift.asl.json"
)

// cfnTemplate is a parsed template.yaml.
type cfnTemplate struct {
	root *yaml.Node // the top-level mapping
}

func loadTemplate(path string) (*cfnTemplate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: not a YAML mapping", path)
	}
	return &cfnTemplate{root: doc.Content[0]}, nil
}

// lookup follows mapping keys from n; nil when a key is missing.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
				break
			}
		}
		n = next
	}
	return n
}

// mappingKeys lists a mapping's keys in order.
func mappingKeys(n *yaml.Node) []string {
	var ks []string
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			ks = append(ks, n.Content[i].Value)
		}
	}
	return ks
}

// resource returns a resource's Properties node.
func (t *cfnTemplate) properties(logicalID string) *yaml.Node {
	return lookup(t.root, "Resources", logicalID, "Properties")
}

// parameterDefaults returns every parameter's Default.
func (t *cfnTemplate) parameterDefaults() map[string]string {
	out := map[string]string{}
	params := lookup(t.root, "Parameters")
	for _, name := range mappingKeys(params) {
		if d := lookup(params, name, "Default"); d != nil {
			out[name] = d.Value
		}
	}
	return out
}

// cfnEnv is what !Ref and !GetAtt resolve to in a test stack; conditions and mappings are the
// template's (nil when it has none).
type cfnEnv struct {
	refs       map[string]string // parameter or logical ID -> value
	getAtt     func(logicalID, attr string) (string, error)
	conditions *yaml.Node
	mappings   *yaml.Node
}

// templateEnv is a cfnEnv for tpl with its conditions and mappings.
func templateEnv(tpl *cfnTemplate, refs map[string]string, getAtt func(logicalID, attr string) (string, error)) *cfnEnv {
	return &cfnEnv{refs: refs, getAtt: getAtt, conditions: lookup(tpl.root, "Conditions"), mappings: lookup(tpl.root, "Mappings")}
}

// condition evaluates a condition of the template by name.
func (e *cfnEnv) condition(name string) (bool, error) {
	n := lookup(e.conditions, name)
	if n == nil {
		return false, fmt.Errorf("condition %s: not in the template", name)
	}
	return e.truth(n)
}

// truth evaluates a condition function (!Equals, !Not, !And, !Or, !Condition).
func (e *cfnEnv) truth(n *yaml.Node) (bool, error) {
	if n.Tag == "!Condition" {
		return e.condition(n.Value)
	}
	if n.Kind != yaml.SequenceNode {
		return false, fmt.Errorf("line %d: %s is not a condition function", n.Line, n.Tag)
	}
	switch n.Tag {
	case "!Equals":
		if len(n.Content) != 2 {
			return false, fmt.Errorf("line %d: !Equals needs two values", n.Line)
		}
		a, err := e.resolveString(n.Content[0])
		if err != nil {
			return false, err
		}
		b, err := e.resolveString(n.Content[1])
		return a == b, err
	case "!Not":
		if len(n.Content) != 1 {
			return false, fmt.Errorf("line %d: !Not needs one condition", n.Line)
		}
		v, err := e.truth(n.Content[0])
		return !v, err
	case "!And", "!Or":
		and := n.Tag == "!And"
		for _, c := range n.Content {
			v, err := e.truth(c)
			if err != nil || v != and {
				return v, err
			}
		}
		return and, nil
	}
	return false, fmt.Errorf("line %d: %s is not a condition function", n.Line, n.Tag)
}

var subVar = regexp.MustCompile(`\$\{([^}]+)\}`)

// resolve evaluates a template node to plain Go values (string, []any, map[string]any).
func (e *cfnEnv) resolve(n *yaml.Node) (any, error) {
	switch n.Tag {
	case "!Ref":
		v, ok := e.refs[n.Value]
		if !ok {
			return nil, fmt.Errorf("line %d: !Ref %s: unknown in the test stack", n.Line, n.Value)
		}
		return v, nil
	case "!GetAtt":
		id, attr, ok := strings.Cut(n.Value, ".")
		if !ok {
			return nil, fmt.Errorf("line %d: !GetAtt %q", n.Line, n.Value)
		}
		return e.getAtt(id, attr)
	case "!Sub":
		if n.Kind == yaml.ScalarNode {
			return e.sub(n.Value, nil)
		}
		if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
			return nil, fmt.Errorf("line %d: !Sub needs a string or [string, map]", n.Line)
		}
		vars := map[string]string{}
		for _, k := range mappingKeys(n.Content[1]) {
			v, err := e.resolveString(lookup(n.Content[1], k))
			if err != nil {
				return nil, err
			}
			vars[k] = v
		}
		return e.sub(n.Content[0].Value, vars)
	case "!Join":
		if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
			return nil, fmt.Errorf("line %d: !Join needs [sep, list]", n.Line)
		}
		list, err := e.resolveList(n.Content[1])
		if err != nil {
			return nil, err
		}
		return strings.Join(list, n.Content[0].Value), nil
	case "!Split":
		if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
			return nil, fmt.Errorf("line %d: !Split needs [sep, string]", n.Line)
		}
		s, err := e.resolveString(n.Content[1])
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(s, n.Content[0].Value) {
			out = append(out, p)
		}
		return out, nil
	case "!If":
		if n.Kind != yaml.SequenceNode || len(n.Content) != 3 {
			return nil, fmt.Errorf("line %d: !If needs [condition, then, else]", n.Line)
		}
		v, err := e.condition(n.Content[0].Value)
		if err != nil {
			return nil, err
		}
		if v {
			return e.resolve(n.Content[1])
		}
		return e.resolve(n.Content[2])
	case "!FindInMap":
		if n.Kind != yaml.SequenceNode || len(n.Content) != 3 {
			return nil, fmt.Errorf("line %d: !FindInMap needs [map, key, key]", n.Line)
		}
		var keys []string
		for _, c := range n.Content {
			k, err := e.resolveString(c)
			if err != nil {
				return nil, err
			}
			keys = append(keys, k)
		}
		v := lookup(e.mappings, keys...)
		if v == nil {
			return nil, fmt.Errorf("line %d: !FindInMap %q: no such entry", n.Line, keys)
		}
		return e.resolve(v)
	case "!Select":
		if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
			return nil, fmt.Errorf("line %d: !Select needs [index, list]", n.Line)
		}
		i, err := strconv.Atoi(n.Content[0].Value)
		if err != nil {
			return nil, fmt.Errorf("line %d: !Select index: %w", n.Line, err)
		}
		list, err := e.resolveList(n.Content[1])
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= len(list) {
			return nil, fmt.Errorf("line %d: !Select index %d out of range of %q", n.Line, i, list)
		}
		return list[i], nil
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return nil, fmt.Errorf("line %d: intrinsic %s not supported by the test reader", n.Line, n.Tag)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value, nil
	case yaml.SequenceNode:
		out := []any{}
		for _, c := range n.Content {
			v, err := e.resolve(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := e.resolve(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[n.Content[i].Value] = v
		}
		return out, nil
	case yaml.AliasNode:
		return e.resolve(n.Alias)
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

func (e *cfnEnv) resolveString(n *yaml.Node) (string, error) {
	if n == nil {
		return "", errors.New("missing value")
	}
	v, err := e.resolve(n)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("line %d: want a string, got %T", n.Line, v)
	}
	return s, nil
}

func (e *cfnEnv) resolveList(n *yaml.Node) ([]string, error) {
	v, err := e.resolve(n)
	if err != nil {
		return nil, err
	}
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("line %d: want a list, got %T", n.Line, v)
	}
	var out []string
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("line %d: want a list of strings", n.Line)
		}
		out = append(out, s)
	}
	return out, nil
}

// sub fills ${Name}, ${AWS::X} and ${Resource.Attr} in a !Sub string.
func (e *cfnEnv) sub(s string, vars map[string]string) (string, error) {
	var firstErr error
	out := subVar.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") { // ${!Literal}
			return "${" + name[1:] + "}"
		}
		if v, ok := vars[name]; ok {
			return v
		}
		if v, ok := e.refs[name]; ok {
			return v
		}
		if id, attr, ok := strings.Cut(name, "."); ok {
			v, err := e.getAtt(id, attr)
			if err == nil {
				return v
			}
			firstErr = cmp(firstErr, err)
			return m
		}
		firstErr = cmp(firstErr, fmt.Errorf("!Sub %q: unknown variable %s", s, name))
		return m
	})
	return out, firstErr
}

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// definitionPlaceholders lists the ${...} names in the state machine definition.
func definitionPlaceholders(def string) []string {
	var names []string
	for _, m := range subVar.FindAllStringSubmatch(def, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return names
}

// TestDefinitionSubstitutions checks that every ${...} in the definition has a substitution in the
// template and every substitution is used: CloudFormation rejects neither mistake, the first one
// only fails at execution time.
func TestDefinitionSubstitutions(t *testing.T) {
	tpl, err := loadTemplate(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	props := tpl.properties("LogsiftStateMachine")
	if props == nil {
		t.Fatal("template has no LogsiftStateMachine resource")
	}
	if uri := lookup(props, "DefinitionUri"); uri == nil || "../"+uri.Value != definitionPath {
		t.Fatalf("LogsiftStateMachine DefinitionUri = %v, want %s", uri, strings.TrimPrefix(definitionPath, "../"))
	}
	subs := mappingKeys(lookup(props, "DefinitionSubstitutions"))
	slices.Sort(subs)
	def, err := os.ReadFile(definitionPath)
	if err != nil {
		t.Fatal(err)
	}
	used := definitionPlaceholders(string(def))
	if len(used) == 0 {
		t.Fatal("definition has no ${...} placeholders; the function ARNs must come from the template")
	}
	for _, u := range used {
		if !slices.Contains(subs, u) {
			t.Errorf("definition uses ${%s}, template has no DefinitionSubstitution for it", u)
		}
	}
	for _, s := range subs {
		if !slices.Contains(used, s) {
			t.Errorf("template substitutes %s, the definition never uses it", s)
		}
	}
	var v any
	if err := json.Unmarshal(def, &v); err != nil {
		t.Fatalf("definition is not JSON: %v", err)
	}
}

// TestASLValidator runs asl-validator (pinned in package.json) on the definition.
func TestASLValidator(t *testing.T) {
	bin, err := filepath.Abs("../node_modules/.bin/asl-validator")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		requireInCI(t, "asl-validator not installed (run npm ci): %v", err)
	}
	out, err := exec.Command(bin, "--json-path", definitionPath).CombinedOutput()
	if err != nil {
		t.Fatalf("asl-validator: %v\n%s", err, out)
	}
}

// TestCfnLint runs cfn-lint on the template, as make lint does.
func TestCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		requireInCI(t, "cfn-lint not on PATH: %v", err)
	}
	out, err := exec.Command(bin, templatePath).CombinedOutput()
	if err != nil {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
}

// requireInCI skips a test whose tool is missing, except in CI, where a missing tool is a failure.
func requireInCI(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// globalEnv resolves a variable every function gets from Globals.
func (e *cfnEnv) globalEnv(tpl *cfnTemplate, name string) (string, error) {
	return e.resolveString(lookup(tpl.root, "Globals", "Function", "Environment", "Variables", name))
}

// TestModelProfileFollowsRegion resolves the template for stacks in several regions: by default
// the functions call Claude Haiku 4.5's inference profile for the stack's region (the us., eu.
// or apac. profile where the region is one of that profile's source regions, the global one
// elsewhere), BedrockModelId overrides it, and the roles of the two functions that call the model
// allow exactly that profile in the stack's region and the foundation model behind it in the
// regions it routes to.
func TestModelProfileFollowsRegion(t *testing.T) {
	tpl, err := loadTemplate(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	const model = "anthropic.claude-haiku-4-5-20251001-v1:0"
	tests := []struct {
		region, param, want string
		routes              []string // destination regions the profile may use
	}{
		{"us-east-1", "", "us." + model, []string{"us-east-1", "us-west-2"}},
		{"us-west-2", "", "us." + model, []string{"us-east-2"}},
		{"eu-west-1", "", "eu." + model, []string{"eu-central-1", "eu-north-1"}},
		{"eu-central-2", "", "eu." + model, []string{"eu-west-3"}},
		{"ap-northeast-1", "", "apac." + model, []string{"ap-southeast-2"}},
		{"ap-south-1", "", "apac." + model, []string{"ap-northeast-2"}},
		{"ca-central-1", "", "global." + model, []string{"", "us-east-1", "eu-west-1"}},
		{"sa-east-1", "", "global." + model, []string{""}},
		{"me-central-1", "", "global." + model, []string{""}},
		{"ap-southeast-5", "", "global." + model, []string{""}},
		{"ap-northeast-1", "jp." + model, "jp." + model, []string{"ap-northeast-3"}},
		{"eu-west-1", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.region+"/"+tt.param, func(t *testing.T) {
			env := stackEnv(tpl, tt.region, "logsift-logs", "arn:aws:sns:"+tt.region+":"+accountID+":logsift", map[string]string{"BedrockModelId": tt.param})
			got, err := env.globalEnv(tpl, "LOGSIFT_MODEL_ID")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("LOGSIFT_MODEL_ID = %q, want %q", got, tt.want)
			}
			_, fm, _ := strings.Cut(got, ".")
			policies := functionPolicies(t, tpl, env)
			allowed := func(id, resource string) bool {
				c := call{function: id, action: "bedrock:InvokeModel", resource: resource}
				return slices.ContainsFunc(policies[id], func(s statement) bool { return s.allows(c) })
			}
			for _, id := range []string{"AnalyzeFunction", "AggregateFunction"} {
				profile := "arn:aws:bedrock:" + tt.region + ":" + accountID + ":inference-profile/" + got
				if !allowed(id, profile) {
					t.Errorf("%s may not invoke %s", id, profile)
				}
				for _, r := range tt.routes {
					if arn := "arn:aws:bedrock:" + r + "::foundation-model/" + fm; !allowed(id, arn) {
						t.Errorf("%s may not invoke %s, where the profile routes", id, arn)
					}
				}
				for _, other := range []string{
					"arn:aws:bedrock:" + tt.region + ":" + accountID + ":inference-profile/other." + fm,
					"arn:aws:bedrock:" + tt.region + "::foundation-model/anthropic.claude-opus-4-1-20250805-v1:0",
					"arn:aws:bedrock:us-east-1:999999999999:inference-profile/" + got,
				} {
					if allowed(id, other) {
						t.Errorf("%s may invoke %s, which it does not use", id, other)
					}
				}
			}
			for _, id := range []string{"ParseFunction", "FilterFunction", "NotifyFunction", "FetchFunction"} {
				if allowed(id, "arn:aws:bedrock:"+tt.region+":"+accountID+":inference-profile/"+got) {
					t.Errorf("%s may invoke the model", id)
				}
			}
		})
	}
}

// TestNoRunLostUnseen checks what template.yaml and the definition do for runs that never reach a
// report (moto delivers no EventBridge event to Step Functions and keeps no alarms, so this is
// read from the template): an upload event EventBridge cannot deliver goes, after its retries, to
// an encrypted dead-letter queue only the rule may write to, whose alarm emails; one alarm emails
// for executions that failed, timed out or were aborted; every stage retries its transient errors
// and crashes.
func TestNoRunLostUnseen(t *testing.T) {
	tpl, err := loadTemplate(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	getAtt := func(n *yaml.Node) string {
		if n == nil || n.Tag != "!GetAtt" {
			return ""
		}
		return n.Value
	}
	target := lookup(tpl.properties("UploadRule"), "Targets").Content[0]
	if lookup(target, "RetryPolicy", "MaximumRetryAttempts") == nil {
		t.Error("the upload rule's target has no RetryPolicy")
	}
	dlq, _, _ := strings.Cut(getAtt(lookup(target, "DeadLetterConfig", "Arn")), ".")
	if dlq == "" || lookup(tpl.root, "Resources", dlq, "Type").Value != "AWS::SQS::Queue" {
		t.Fatalf("the upload rule's target has no dead-letter queue")
	}
	if sse := lookup(tpl.properties(dlq), "SqsManagedSseEnabled"); (sse == nil || sse.Value != "true") && lookup(tpl.properties(dlq), "KmsMasterKeyId") == nil {
		t.Errorf("%s is not encrypted", dlq)
	}
	// Its policy: only EventBridge, only for the upload rule, may send; nothing without TLS.
	var allows, denies int
	for _, id := range mappingKeys(lookup(tpl.root, "Resources")) {
		if lookup(tpl.root, "Resources", id, "Type").Value != "AWS::SQS::QueuePolicy" {
			continue
		}
		for _, st := range lookup(tpl.properties(id), "PolicyDocument", "Statement").Content {
			switch lookup(st, "Effect").Value {
			case "Allow":
				allows++
				if lookup(st, "Principal", "Service").Value != "events.amazonaws.com" || lookup(st, "Action").Value != "sqs:SendMessage" ||
					getAtt(lookup(st, "Resource")) != dlq+".Arn" || getAtt(lookup(st, "Condition", "ArnEquals", "aws:SourceArn")) != "UploadRule.Arn" {
					t.Errorf("%s: an Allow other than EventBridge sending for the upload rule (line %d)", id, st.Line)
				}
			case "Deny":
				if lookup(st, "Condition", "Bool", "aws:SecureTransport").Value == "false" {
					denies++
				}
			}
		}
	}
	if allows != 1 || denies != 1 {
		t.Errorf("dead-letter queue policy: %d Allow and %d TLS Deny statements, want 1 and 1", allows, denies)
	}
	// Alarms, each emailing the topic.
	var dlqAlarm bool
	executions := map[string]bool{}
	for _, id := range mappingKeys(lookup(tpl.root, "Resources")) {
		if lookup(tpl.root, "Resources", id, "Type").Value != "AWS::CloudWatch::Alarm" {
			continue
		}
		p := tpl.properties(id)
		if a := lookup(p, "AlarmActions"); a == nil || len(a.Content) != 1 || a.Content[0].Value != "ReportTopic" {
			t.Errorf("alarm %s does not email the report topic", id)
		}
		if lookup(p, "MetricName") != nil && lookup(p, "MetricName").Value == "ApproximateNumberOfMessagesVisible" &&
			getAtt(lookup(lookup(p, "Dimensions").Content[0], "Value")) == dlq+".QueueName" {
			dlqAlarm = true
		}
		if ms := lookup(p, "Metrics"); ms != nil {
			for _, m := range ms.Content {
				if name := lookup(m, "MetricStat", "Metric", "MetricName"); name != nil &&
					lookup(lookup(m, "MetricStat", "Metric", "Dimensions").Content[0], "Value").Value == "LogsiftStateMachine" {
					executions[name.Value] = true
				}
			}
		}
	}
	if !dlqAlarm {
		t.Errorf("no alarm on messages in %s", dlq)
	}
	for _, m := range []string{"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"} {
		if !executions[m] {
			t.Errorf("no alarm covers %s", m)
		}
	}
	// Every Task retries transient errors and crashes, and nothing retries everything.
	b, err := os.ReadFile(definitionPath)
	if err != nil {
		t.Fatal(err)
	}
	var def map[string]any
	if err := json.Unmarshal(b, &def); err != nil {
		t.Fatal(err)
	}
	tasks := 0
	var walk func(states map[string]any)
	walk = func(states map[string]any) {
		for name, v := range states {
			st := v.(map[string]any)
			if proc, ok := st["ItemProcessor"].(map[string]any); ok {
				walk(proc["States"].(map[string]any))
			}
			if st["Type"] != "Task" {
				continue
			}
			tasks++
			retried := map[string]bool{}
			for _, r := range st["Retry"].([]any) {
				for _, e := range r.(map[string]any)["ErrorEquals"].([]any) {
					retried[e.(string)] = true
				}
			}
			for _, e := range []string{"TransientError", "Lambda.Unknown", "Runtime.ExitError", "Lambda.ServiceException"} {
				if !retried[e] {
					t.Errorf("state %s does not retry %s", name, e)
				}
			}
			for _, e := range []string{"States.ALL", "States.TaskFailed", "NoConfirmedSubscription"} {
				if retried[e] {
					t.Errorf("state %s retries %s", name, e)
				}
			}
		}
	}
	walk(def["States"].(map[string]any))
	if tasks != 6 {
		t.Errorf("%d Task states, want 6 (Parse, Filter, Analyze, Aggregate, Notify, NotifyFailure)", tasks)
	}
}
