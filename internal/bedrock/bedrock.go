// Package bedrock is the analysis.Analyzer backed by a model on Amazon Bedrock
// (the Converse API with one forced tool). The model sees aggregates and a few
// sanitized samples per actor, never raw logs; its answer is validated against
// the tool schema and checked against the evidence (internal/bedrock/answer).
// The analyzer answers for the actors the model judged and lists the ones it
// passed over (budget, a failed call); wrapped in analysis.WithFallback, as
// the front ends do, the rules' verdicts are the floor of its answer.
// Errors say what happened; what to do about it is the front end's to say.
package bedrock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/bedrock/answer"
	"github.com/logsift/logsift/internal/evidence"
)

// DefaultModelID is the Claude Haiku 4.5 US cross-region inference profile.
const DefaultModelID = "us.anthropic.claude-haiku-4-5-20251001-v1:0"

// Options tunes the analyzer. Zero values take the defaults in brackets.
type Options struct {
	ModelID string // [DefaultModelID]
	Region  string // used in messages only (the client has its own)
	// MaxTokensPerCall caps the estimated input tokens of one classify call
	// (characters / 4) [12000]. Actors are split across calls to stay under it.
	MaxTokensPerCall int
	// MaxOutputTokens caps one call's answer [4096].
	MaxOutputTokens int
	// RunTokenBudget caps input plus output tokens per run [200000]: each
	// session has it, or its share when the run is split (RunInfo.Chunks).
	// A call is made only if its estimate (prompt, overhead and the full
	// output allowance) fits in what is left; a batch that does not fit is
	// cut down first. The one retry after an invalid answer is not checked
	// again, so the real use can pass the budget by that retry.
	RunTokenBudget   int64
	MaxActorsPerCall int           // [20]
	SamplesPerRule   int           // samples sent per rule hit [3]
	FieldMax         int           // bytes kept of each attacker-controlled string [200]
	CallTimeout      time.Duration // per Converse call, retries included [60 s]
	// DeadlineMargin is kept back before a session's deadline
	// (RunInfo.Deadline, the Lambda's timeout) for storing the answer: no
	// call runs past the deadline less the margin [15 s].
	DeadlineMargin time.Duration
	// MinCallTime is the least time left (before deadline less margin) for
	// which a call is started; with less, the actors left go to the rules
	// [5 s].
	MinCallTime time.Duration
	Prices      PriceTable   // [DefaultPrices()]
	Logger      *slog.Logger // [slog.Default()]
}

func (o *Options) defaults() {
	if o.ModelID == "" {
		o.ModelID = DefaultModelID
	}
	if o.MaxTokensPerCall <= 0 {
		o.MaxTokensPerCall = 12000
	}
	if o.MaxOutputTokens <= 0 {
		o.MaxOutputTokens = 4096
	}
	if o.RunTokenBudget <= 0 {
		o.RunTokenBudget = 200000
	}
	if o.MaxActorsPerCall <= 0 {
		o.MaxActorsPerCall = 20
	}
	if o.SamplesPerRule <= 0 {
		o.SamplesPerRule = 3
	}
	if o.FieldMax <= 0 {
		o.FieldMax = 200
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 60 * time.Second
	}
	if o.DeadlineMargin <= 0 {
		o.DeadlineMargin = 15 * time.Second
	}
	if o.MinCallTime <= 0 {
		o.MinCallTime = 5 * time.Second
	}
	if o.Prices == nil {
		o.Prices = DefaultPrices()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Analyzer classifies actors and writes recommendations with a Bedrock model.
// It holds the client and the options; each run's budget is in the Session
// that Begin returns. It is safe for concurrent use.
type Analyzer struct {
	c   Client
	opt Options
}

var _ analysis.Analyzer = (*Analyzer)(nil)

// New returns an Analyzer calling c.
func New(c Client, o Options) *Analyzer {
	if o.Region == "" {
		// For the messages: the region the SDK client really calls.
		if rc, ok := c.(*bedrockruntime.Client); ok {
			o.Region = rc.Options().Region
		}
	}
	o.defaults()
	return &Analyzer{c: c, opt: o}
}

// Options returns the options in effect, defaults filled in.
func (a *Analyzer) Options() Options { return a.opt }

// Name implements analysis.Analyzer: the model id.
func (a *Analyzer) Name() string { return a.opt.ModelID }

// Begin implements analysis.Analyzer. The session has the run's token budget,
// or its share when the run's chunks are analysed by separate Lambda
// invocations (run.Chunks), so that the run as a whole keeps to it.
func (a *Analyzer) Begin(run analysis.RunInfo) analysis.Session {
	s := &session{model: a, budget: a.opt.RunTokenBudget, deadline: run.Deadline}
	if run.Chunks > 1 {
		s.budget = max(s.budget/int64(run.Chunks), 1)
	}
	return s
}

// session is one run's use of the model.
type session struct {
	model    *Analyzer
	budget   int64     // tokens this session may use
	deadline time.Time // zero: none

	mu    sync.Mutex
	spent int64 // tokens used or reserved against budget
}

// reserve takes n tokens from the budget if they fit.
func (s *session) reserve(n int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spent+n > s.budget {
		return false
	}
	s.spent += n
	return true
}

// settle replaces a reservation by what the calls really used.
func (s *session) settle(reserved int64, u analysis.Usage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spent += u.InputTokens + u.OutputTokens - reserved
}

// callContext bounds one model call by the session's deadline less the
// margin kept for storing the answer, so that a slow model cannot take the
// Lambda past its timeout. ok is false when too little time is left to
// start a call.
func (s *session) callContext(ctx context.Context) (_ context.Context, _ context.CancelFunc, ok bool) {
	if s.deadline.IsZero() {
		return ctx, func() {}, true
	}
	end := s.deadline.Add(-s.model.opt.DeadlineMargin)
	if time.Until(end) < s.model.opt.MinCallTime {
		return ctx, func() {}, false
	}
	c, cancel := context.WithDeadline(ctx, end)
	return c, cancel, true
}

// errNoTime is a call not made, or cut short, because the session's
// deadline was near.
var errNoTime = &callError{cause: analysis.CauseDeadline, msg: "no time was left for the model before the function's deadline"}

// errBudget is a call not made because it did not fit the token budget.
var errBudget = &callError{cause: analysis.CauseBudget, msg: "the token budget was spent"}

// maxNamedActors bounds the actors a note names.
const maxNamedActors = 10

// actorNames lists the first actors by name and counts the rest.
func actorNames(actors []evidence.Actor) string {
	var b strings.Builder
	for i, a := range actors {
		if i == maxNamedActors {
			fmt.Fprintf(&b, " and %d more", len(actors)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.Actor)
	}
	return b.String()
}

// errInvalidAnswer is a model answer that failed validation twice.
var errInvalidAnswer = errors.New("the model's answer did not match the tool schema")

// Classify implements analysis.Session: verdicts for the actors the model
// judged, checked against the evidence, and in Skipped the actors it passed
// over (over the budget, or after a failed call) with a note saying why.
// ModelUnavailable is set when it judged none. An error wraps
// analysis.ErrThrottled or analysis.ErrUnavailable, or is the context's.
func (s *session) Classify(ctx context.Context, actors []evidence.Actor, campaigns []evidence.Campaign) (analysis.ClassifyResult, error) {
	a := s.model
	res := analysis.ClassifyResult{Usage: analysis.Usage{Model: a.opt.ModelID}}
	if len(actors) == 0 {
		return res, nil
	}
	nonce := newNonce()
	overhead := classifyOverhead(nonce)

	var notes []string
	var unsent []evidence.Actor
	answered := 0
	var why *analysis.Unavailability // why the actors left were passed over
	for start := 0; start < len(actors); {
		if why != nil {
			// One failure after the SDK's retries is enough: the rest would
			// most likely fail too, and the Lambda's time is limited.
			unsent = append(unsent, actors[start:]...)
			break
		}
		callCtx, cancel, ok := s.callContext(ctx)
		if !ok {
			why = errNoTime.why()
			continue
		}
		// The batch: as many actors as fit the per-call caps (at least one).
		// Lines are rendered batch by batch so that memory follows the batch,
		// not the number of actors.
		var lines []string
		end, chars := start, 0
		for end < len(actors) && end-start < a.opt.MaxActorsPerCall {
			l := a.actorJSON(&actors[end])
			if end > start && overhead+int64(chars+len(l))/charsPerToken > int64(a.opt.MaxTokensPerCall) {
				break
			}
			lines = append(lines, l)
			chars += len(l)
			end++
		}
		batch := actors[start:end]
		// Build the call; when it does not fit what is left of the budget,
		// try with fewer actors before giving up.
		var prompt string
		var maxOut int32
		var reserved int64
		fits := false
		for {
			prompt, maxOut, reserved = a.classifyCall(nonce, overhead, batch, lines, campaigns)
			if fits = s.reserve(reserved); fits || len(batch) == 1 {
				break
			}
			batch, lines = batch[:len(batch)-1], lines[:len(lines)-1]
			end--
		}
		if !fits {
			cancel()
			notes = append(notes, fmt.Sprintf("%d actors over the token budget were summarised by the rules", len(actors)-start))
			res.OverBudget += len(actors) - start
			why = errBudget.why()
			continue
		}
		ans, usage, err := converseTool(callCtx, a, fillPrompt(classifySystem, blockTag(nonce), answer.ClassifyTool), prompt,
			answer.ClassifyTool, "Record a verdict for every actor in the evidence.", answer.ClassifySchema(), maxOut, answer.ParseClassify)
		cut := callCtx.Err() != nil
		cancel()
		s.settle(reserved, usage)
		res.Usage.Add(usage)
		if err != nil {
			if ctx.Err() != nil {
				return analysis.ClassifyResult{}, fmt.Errorf("classifying with %s: %w", a.opt.ModelID, ctx.Err())
			}
			ce := a.callError(err)
			if cut {
				// The deadline, not the model: this batch and the rest go to
				// the rules while there is time to store their verdicts.
				ce = errNoTime
			} else if ce.kind != kindOther {
				return analysis.ClassifyResult{}, ce
			}
			a.opt.Logger.Warn("model classify failed; passing the rest over", "model", a.opt.ModelID, "actors", len(actors)-start, "err", err)
			why = ce.why()
			continue // start stays: this batch is passed over above
		}
		answered++
		verified, vnotes := answer.VerifyClassify(batch, campaigns, ans)
		res.Verdicts = append(res.Verdicts, verified.Verdicts...)
		res.Observations = append(res.Observations, verified.Observations...)
		notes = append(notes, vnotes...)
		start = end
	}
	for _, ac := range unsent {
		res.Skipped = append(res.Skipped, ac.Actor)
	}
	switch {
	case why == nil, why.Cause == analysis.CauseBudget: // noted above
	case why.Cause == analysis.CauseDeadline:
		notes = append(notes, fmt.Sprintf("the model ran out of time (the function's deadline) before it saw %d actors; their verdicts come from the rules: %s",
			len(unsent), actorNames(unsent)))
	default:
		notes = append(notes, fmt.Sprintf("the model was not used for %d actors (%s); their verdicts come from the rules", len(unsent), why.Reason))
	}
	if res.ModelUnavailable = answered == 0; res.ModelUnavailable {
		res.Why = why
	}
	res.Usage.CostUSD = a.cost(res.Usage, &notes)
	res.Notes = notes
	return res, nil
}

// classifyCall builds the user prompt for a batch and estimates what the call
// can cost: the prompt, the fixed overhead (system prompt, tool schema) and
// the output allowance.
func (a *Analyzer) classifyCall(nonce string, overhead int64, batch []evidence.Actor, lines []string, campaigns []evidence.Campaign) (string, int32, int64) {
	prompt := a.classifyPrompt(nonce, lines, a.relatedCampaigns(batch, campaigns))
	maxOut := int32(min(a.opt.MaxOutputTokens, 400+250*len(batch)))
	return prompt, maxOut, overhead + estimateTokens(prompt) + int64(maxOut)
}

// classifyOverhead estimates the tokens of a classify call besides the prompt.
func classifyOverhead(nonce string) int64 {
	return estimateTokens(fillPrompt(classifySystem, blockTag(nonce), answer.ClassifyTool)) + schemaTokens(answer.ClassifySchema()) + 200
}

// relatedCampaigns renders the campaigns involving any actor of the batch.
func (a *Analyzer) relatedCampaigns(batch []evidence.Actor, campaigns []evidence.Campaign) []string {
	in := make(map[string]bool, len(batch))
	for _, ac := range batch {
		in[ac.Actor] = true
	}
	var out []string
	for i := range campaigns {
		for _, id := range campaigns[i].Actors {
			if in[id] {
				out = append(out, a.campaignJSON(&campaigns[i]))
				break
			}
		}
		if len(out) == maxCampaignsInPrompt {
			break
		}
	}
	return out
}

// Recommend implements analysis.Session. When the model gives no usable
// advice (its call failed, the budget was spent, or nothing was left after
// checking) it returns an error saying what happened, with the result still
// carrying the notes and usage of what was tried.
func (s *session) Recommend(ctx context.Context, in analysis.RecommendInput) (analysis.RecommendResult, error) {
	a := s.model
	res := analysis.RecommendResult{Usage: analysis.Usage{Model: a.opt.ModelID}}
	if len(in.Actors) == 0 && len(in.Verdicts) == 0 {
		return res, nil
	}
	nonce := newNonce()
	system := fillPrompt(recommendSystem, blockTag(nonce), answer.RecommendTool)
	prompt := a.recommendPrompt(nonce, in)
	maxOut := int32(min(a.opt.MaxOutputTokens, 3000))
	reserved := estimateTokens(system) + estimateTokens(prompt) + schemaTokens(answer.RecommendSchema()) + int64(maxOut)
	callCtx, cancel, ok := s.callContext(ctx)
	defer cancel()
	if !ok {
		return res, errNoTime
	}
	if !s.reserve(reserved) {
		return res, errBudget
	}
	ans, usage, err := converseTool(callCtx, a, system, prompt, answer.RecommendTool,
		"Record prioritised recommendations for the findings.", answer.RecommendSchema(), maxOut, answer.ParseRecommend)
	s.settle(reserved, usage)
	res.Usage.Add(usage)
	res.Usage.CostUSD = a.cost(res.Usage, &res.Notes)
	if err != nil {
		if ctx.Err() != nil {
			return res, fmt.Errorf("recommending with %s: %w", a.opt.ModelID, ctx.Err())
		}
		if callCtx.Err() != nil {
			return res, errNoTime
		}
		a.opt.Logger.Warn("model recommend failed", "model", a.opt.ModelID, "err", err)
		return res, a.callError(err)
	}
	verified, vnotes := answer.VerifyRecommend(in, ans)
	res.Notes = append(res.Notes, vnotes...)
	if len(verified.Recommendations) == 0 {
		return res, errors.New("nothing was left of its recommendations after checking them against the findings")
	}
	res.Recommendations = verified.Recommendations
	return res, nil
}

func (a *Analyzer) cost(u analysis.Usage, notes *[]string) float64 {
	if u.Calls == 0 {
		return 0
	}
	p, ok := a.opt.Prices.Lookup(a.opt.ModelID)
	if !ok {
		*notes = append(*notes, fmt.Sprintf("no price is known for %s; the cost is not counted", a.opt.ModelID))
		return 0
	}
	return p.Cost(u.InputTokens, u.OutputTokens)
}

func schemaTokens(schema map[string]any) int64 {
	b, _ := json.Marshal(schema)
	return estimateTokens(string(b))
}

// converseTool makes one Converse call forcing the named tool, validates the
// tool input, and on an invalid answer asks once more with the validation error
// as the tool result. Usage covers every call made.
func converseTool[T any](ctx context.Context, a *Analyzer, system, prompt, tool, desc string, schema map[string]any, maxOut int32,
	validate func(json.RawMessage) (T, error)) (T, analysis.Usage, error) {
	var zero T
	usage := analysis.Usage{Model: a.opt.ModelID}
	in := &bedrockruntime.ConverseInput{
		ModelId: aws.String(a.opt.ModelID),
		System:  []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: system}},
		Messages: []types.Message{{
			Role:    types.ConversationRoleUser,
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: prompt}},
		}},
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(maxOut), Temperature: aws.Float32(0)},
		ToolConfig: &types.ToolConfiguration{
			Tools: []types.Tool{&types.ToolMemberToolSpec{Value: types.ToolSpecification{
				Name:        aws.String(tool),
				Description: aws.String(desc),
				InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(schema)},
			}}},
			ToolChoice: &types.ToolChoiceMemberTool{Value: types.SpecificToolChoice{Name: aws.String(tool)}},
		},
	}
	for attempt := 0; ; attempt++ {
		out, err := a.call(ctx, in)
		if err != nil {
			return zero, usage, err
		}
		usage.Calls++
		if out.Usage != nil {
			usage.InputTokens += int64(aws.ToInt32(out.Usage.InputTokens))
			usage.OutputTokens += int64(aws.ToInt32(out.Usage.OutputTokens))
		}
		msg, raw, toolID, perr := toolInput(out, tool)
		var v T
		if perr == nil {
			v, perr = validate(raw)
			if perr == nil {
				return v, usage, nil
			}
		}
		a.opt.Logger.Warn("invalid model answer", "model", a.opt.ModelID, "tool", tool, "attempt", attempt+1, "err", perr)
		if attempt == 1 || msg == nil {
			return zero, usage, fmt.Errorf("%w: %v", errInvalidAnswer, perr)
		}
		// Ask again, in the same conversation, saying what was wrong.
		fix := fmt.Sprintf("%v. Call %s again with input that matches its schema.", perr, tool)
		var reply types.ContentBlock = &types.ContentBlockMemberText{Value: fix}
		if toolID != "" {
			reply = &types.ContentBlockMemberToolResult{Value: types.ToolResultBlock{
				ToolUseId: aws.String(toolID),
				Status:    types.ToolResultStatusError,
				Content:   []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberText{Value: fix}},
			}}
		}
		in.Messages = append(in.Messages, *msg, types.Message{Role: types.ConversationRoleUser, Content: []types.ContentBlock{reply}})
		if out.StopReason == types.StopReasonMaxTokens {
			// Cut short: give the second try all the room the options allow.
			in.InferenceConfig.MaxTokens = aws.Int32(int32(max(a.opt.MaxOutputTokens, int(maxOut))))
		}
	}
}

func (a *Analyzer) call(ctx context.Context, in *bedrockruntime.ConverseInput) (*bedrockruntime.ConverseOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, a.opt.CallTimeout)
	defer cancel()
	return a.c.Converse(ctx, in)
}

// toolInput finds the call of the named tool in the answer. It returns the
// assistant message (to continue the conversation), the tool input as JSON and
// the tool use id.
func toolInput(out *bedrockruntime.ConverseOutput, tool string) (*types.Message, json.RawMessage, string, error) {
	m, ok := out.Output.(*types.ConverseOutputMemberMessage)
	if !ok || m == nil {
		return nil, nil, "", errors.New("the answer has no message")
	}
	msg := &m.Value
	for _, c := range msg.Content {
		tu, ok := c.(*types.ContentBlockMemberToolUse)
		if !ok {
			continue
		}
		id := aws.ToString(tu.Value.ToolUseId)
		if name := aws.ToString(tu.Value.Name); name != tool {
			return msg, nil, id, fmt.Errorf("the answer called tool %q instead of %s", analysis.Sanitize(name, 60), tool)
		}
		if tu.Value.Input == nil {
			return msg, nil, id, errors.New("the tool call has no input")
		}
		raw, err := tu.Value.Input.MarshalSmithyDocument()
		if err != nil {
			return msg, nil, id, fmt.Errorf("the tool input cannot be read: %v", err)
		}
		return msg, raw, id, nil
	}
	if out.StopReason == types.StopReasonMaxTokens {
		return msg, nil, "", fmt.Errorf("the answer was cut at the output token limit before calling %s; answer more briefly", tool)
	}
	return msg, nil, "", fmt.Errorf("the answer did not call the tool %s", tool)
}
