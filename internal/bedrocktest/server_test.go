package bedrocktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"

	"github.com/logsift/logsift/internal/bedrock/answer"
)

const model = "us.anthropic.claude-haiku-4-5-20251001-v1:0"

// client is a real SDK client pointed at the server, without retries.
func client(s *Server, attempts int) *bedrockruntime.Client {
	return bedrockruntime.New(bedrockruntime.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"}, nil
		}),
		RetryMaxAttempts: attempts,
	})
}

func converseInput(tool, text string) *bedrockruntime.ConverseInput {
	return &bedrockruntime.ConverseInput{
		ModelId:  aws.String(model),
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: text}}}},
		ToolConfig: &types.ToolConfiguration{
			Tools: []types.Tool{&types.ToolMemberToolSpec{Value: types.ToolSpecification{
				Name:        aws.String(tool),
				InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(map[string]any{"type": "object"})},
			}}},
			ToolChoice: &types.ToolChoiceMemberTool{Value: types.SpecificToolChoice{Name: aws.String(tool)}},
		},
	}
}

func TestToolAnswerRoundTrip(t *testing.T) {
	s := NewServer(nil)
	defer s.Close()
	s.Push(ToolAnswer("", map[string]any{"verdicts": []any{}, "n": 1.5}))
	out, err := client(s, 1).Converse(context.Background(), converseInput("my_tool", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	msg := out.Output.(*types.ConverseOutputMemberMessage).Value
	tu := msg.Content[0].(*types.ContentBlockMemberToolUse).Value
	raw, err := tu.Input.MarshalSmithyDocument()
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(tu.Name) != "my_tool" || string(raw) != `{"n":1.5,"verdicts":[]}` || out.StopReason != types.StopReasonToolUse {
		t.Errorf("tool use %s %s %s", aws.ToString(tu.Name), raw, out.StopReason)
	}
	if out.Usage == nil || aws.ToInt32(out.Usage.InputTokens) <= 0 {
		t.Errorf("usage %+v", out.Usage)
	}
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	// The SDK percent-encodes the colon of the model id.
	if r.ModelID != model || r.EscapedPath != "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse" {
		t.Errorf("model %q path %q", r.ModelID, r.EscapedPath)
	}
	if r.Body.ForcedTool() != "my_tool" || r.Body.UserText() != "hello\n" || r.Attempt != 1 || r.MaxAttempts != 1 {
		t.Errorf("request %+v", r)
	}
}

func TestErrorsAsTheSDKSeesThem(t *testing.T) {
	tests := []struct {
		errType string
		status  int
		check   func(error) bool
	}{
		{"ThrottlingException", 429, func(err error) bool { var e *types.ThrottlingException; return errors.As(err, &e) }},
		{"AccessDeniedException", 403, func(err error) bool { var e *types.AccessDeniedException; return errors.As(err, &e) }},
		{"ResourceNotFoundException", 404, func(err error) bool { var e *types.ResourceNotFoundException; return errors.As(err, &e) }},
		{"ValidationException", 400, func(err error) bool { var e *types.ValidationException; return errors.As(err, &e) }},
		{"ModelNotReadyException", 429, func(err error) bool { var e *types.ModelNotReadyException; return errors.As(err, &e) }},
		{"ModelTimeoutException", 408, func(err error) bool { var e *types.ModelTimeoutException; return errors.As(err, &e) }},
		{"InternalServerException", 500, func(err error) bool { var e *types.InternalServerException; return errors.As(err, &e) }},
		{"ServiceUnavailableException", 503, func(err error) bool { var e *types.ServiceUnavailableException; return errors.As(err, &e) }},
		{"ServiceQuotaExceededException", 400, func(err error) bool { var e *types.ServiceQuotaExceededException; return errors.As(err, &e) }},
	}
	for _, tt := range tests {
		t.Run(tt.errType, func(t *testing.T) {
			s := NewServer(AlwaysError(tt.errType, "scripted "+tt.errType))
			defer s.Close()
			_, err := client(s, 1).Converse(context.Background(), converseInput("t", "x"))
			if err == nil || !tt.check(err) {
				t.Fatalf("error %v (%T) is not a %s", err, err, tt.errType)
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorMessage() != "scripted "+tt.errType {
				t.Errorf("message %v", err)
			}
			var hs interface{ HTTPStatusCode() int }
			if !errors.As(err, &hs) || hs.HTTPStatusCode() != tt.status {
				t.Errorf("status %v, want %d", err, tt.status)
			}
		})
	}
}

func TestQueueThenDefault(t *testing.T) {
	s := NewServer(AlwaysError("InternalServerException", "default"))
	defer s.Close()
	s.Push(TextAnswer("first"), Reply{Raw: []byte(`{"output":{"message":{"role":"assistant","content":[{"text":"raw"}]}},"stopReason":"end_turn","usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2}}`)})
	c := client(s, 1)
	for _, want := range []string{"first", "raw"} {
		out, err := c.Converse(context.Background(), converseInput("t", "x"))
		if err != nil {
			t.Fatal(err)
		}
		if got := out.Output.(*types.ConverseOutputMemberMessage).Value.Content[0].(*types.ContentBlockMemberText).Value; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if s.Pending() != 0 {
		t.Error("queue not used up")
	}
	if _, err := c.Converse(context.Background(), converseInput("t", "x")); err == nil || !strings.Contains(err.Error(), "default") {
		t.Errorf("default not used: %v", err)
	}
}

func TestAnswerFromEvidence(t *testing.T) {
	text := `<log_evidence_x id="actors">
{"actor":"198.51.100.1","hits":[{"category":"sqli","severity":"high"},{"category":"xss","severity":"medium"}]}
{"actor":"2001:db8::/64","hits":[{"category":"wordpress-scan","severity":"low"},{"category":"bogus","severity":"nope"}]}
</log_evidence_x>`
	rep := AnswerFromEvidence(Request{Body: ConverseRequest{
		Messages: []Message{{Role: "user", Content: []ContentBlock{{Text: &text}}}},
		ToolConfig: &ToolConfig{ToolChoice: &ToolChoice{Tool: &struct {
			Name string `json:"name"`
		}{answer.ClassifyTool}}},
	}})
	a, err := answer.ParseClassify(rep.ToolInput)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Verdicts) != 2 {
		t.Fatalf("%d verdicts", len(a.Verdicts))
	}
	got := fmt.Sprintf("%s %v %s | %s %v %s", a.Verdicts[0].Actor, a.Verdicts[0].Categories, a.Verdicts[0].Severity, a.Verdicts[1].Actor, a.Verdicts[1].Categories, a.Verdicts[1].Severity)
	if want := "198.51.100.1 [sqli xss] high | 2001:db8::/64 [wordpress-scan] low"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestConcurrentRequests(t *testing.T) {
	s := NewServer(nil)
	defer s.Close()
	c := client(s, 1)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text := fmt.Sprintf(`{"actor":"198.51.100.%d","hits":[{"category":"sqli","severity":"high"}]}`, i)
			out, err := c.Converse(context.Background(), converseInput(answer.ClassifyTool, text))
			if err != nil {
				errs <- err
				return
			}
			raw, _ := out.Output.(*types.ConverseOutputMemberMessage).Value.Content[0].(*types.ContentBlockMemberToolUse).Value.Input.MarshalSmithyDocument()
			if !strings.Contains(string(raw), fmt.Sprintf(`"198.51.100.%d"`, i)) {
				errs <- fmt.Errorf("request %d answered with %s", i, raw)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(s.Requests()); n != 32 {
		t.Errorf("%d requests recorded", n)
	}
}

func TestRejectsOtherRoutes(t *testing.T) {
	s := NewServer(nil)
	defer s.Close()
	resp, err := http.Post(s.URL+"/model/x/invoke", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d", resp.StatusCode)
	}
	resp, err = http.Post(s.URL+"/model/x/converse", "application/json", strings.NewReader("not json"))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]string
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || body["__type"] != "SerializationException" {
		t.Errorf("status %d body %v", resp.StatusCode, body)
	}
}
