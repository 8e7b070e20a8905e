package analysis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/logsift/logsift/internal/evidence"
)

// Names of the tools a model is forced to call. The tool's input schema is the
// answer's shape, so the answer arrives as JSON rather than prose.
const (
	ClassifyToolName  = "record_verdicts"
	RecommendToolName = "record_recommendations"
)

// Limits on what a model may answer. They bound the report's size whatever the
// model does, and the validators enforce them.
const (
	MaxActorLen        = 64   // an IPv4 address or an IPv6 /64 CIDR fits easily
	MaxRationaleLen    = 600  // bytes
	MaxSummaryLen      = 600  // bytes
	MaxTitleLen        = 120  // bytes
	MaxDetailLen       = 1200 // bytes
	MaxVerdicts        = 200
	MaxObservations    = 20
	MaxRecommendations = 12
)

// ClassifyAnswer is a validated answer of the classify tool. Nothing in it has
// been checked against the evidence yet: see Verify.
type ClassifyAnswer struct {
	Verdicts     []Verdict     `json:"verdicts"`
	Observations []Observation `json:"observations,omitempty"`
}

// RecommendAnswer is a validated answer of the recommend tool.
type RecommendAnswer struct {
	Recommendations []Recommendation `json:"recommendations"`
}

// ActionKinds lists the Action* constants, most usual first.
var ActionKinds = []string{ActionWAFIPSet, ActionWAFManaged, ActionWAFRateBased, ActionWAFCustom, ActionApp, ActionServer}

func schemaCategoryNames() []any {
	out := make([]any, len(evidence.Categories))
	for i, c := range evidence.Categories {
		out[i] = string(c)
	}
	return out
}

func schemaSeverityNames() []any {
	var out []any
	for s := evidence.Info; s <= evidence.Critical; s++ {
		out = append(out, s.String())
	}
	return out
}

func schemaStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func schemaCategories(desc string) map[string]any {
	return map[string]any{
		"type":        "array",
		"description": desc,
		"maxItems":    len(evidence.Categories),
		"items":       map[string]any{"type": "string", "enum": schemaCategoryNames()},
	}
}

func schemaActors(desc string, max int) map[string]any {
	return map[string]any{
		"type":        "array",
		"description": desc,
		"maxItems":    max,
		"items":       map[string]any{"type": "string", "maxLength": MaxActorLen},
	}
}

// ClassifySchema is the JSON schema of the classify tool's input. It is a fresh
// value on every call, so callers may marshal or change it freely.
func ClassifySchema() map[string]any {
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"verdicts": map[string]any{
				"type":        "array",
				"description": "One verdict per actor in the evidence, using the actor string exactly as given.",
				"maxItems":    MaxVerdicts,
				"items": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"actor":      map[string]any{"type": "string", "maxLength": MaxActorLen, "description": "The actor id exactly as in the evidence."},
						"categories": schemaCategories("Attack families the evidence shows for this actor."),
						"severity":   map[string]any{"type": "string", "enum": schemaSeverityNames()},
						"confidence": map[string]any{"type": "number", "minimum": 0, "maximum": 1},
						"rationale":  map[string]any{"type": "string", "maxLength": MaxRationaleLen, "description": "Why, citing only paths, counts and user agents that appear in the evidence."},
					},
					"required":             []any{"actor", "categories", "severity", "confidence", "rationale"},
					"additionalProperties": false,
				},
			},
			"observations": map[string]any{
				"type":        "array",
				"description": "Patterns shared by several actors (same tool, same probe set), if any.",
				"maxItems":    MaxObservations,
				"items": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"actors":  schemaActors("Actor ids exactly as in the evidence.", MaxVerdicts),
						"summary": map[string]any{"type": "string", "maxLength": MaxSummaryLen},
					},
					"required":             []any{"actors", "summary"},
					"additionalProperties": false,
				},
			},
		},
		"required":             []any{"verdicts"},
		"additionalProperties": false,
	}
}

// RecommendSchema is the JSON schema of the recommend tool's input.
func RecommendSchema() map[string]any {
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"recommendations": map[string]any{
				"type":        "array",
				"description": "Prioritised actions, most urgent first.",
				"minItems":    1,
				"maxItems":    MaxRecommendations,
				"items": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"priority":   map[string]any{"type": "integer", "minimum": 1, "maximum": MaxRecommendations},
						"kind":       map[string]any{"type": "string", "enum": schemaStrings(ActionKinds)},
						"title":      map[string]any{"type": "string", "minLength": 1, "maxLength": MaxTitleLen},
						"detail":     map[string]any{"type": "string", "maxLength": MaxDetailLen},
						"categories": schemaCategories("The findings this action addresses."),
						"actors":     schemaActors("Actor ids from the findings this action addresses (for IP sets).", MaxVerdicts),
					},
					"required":             []any{"priority", "kind", "title", "detail", "categories"},
					"additionalProperties": false,
				},
			},
		},
		"required":             []any{"recommendations"},
		"additionalProperties": false,
	}
}

// ValidationError lists everything wrong with a tool input, phrased so that it
// can be sent back to the model as is.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "invalid tool input: " + strings.Join(e.Problems, "; ")
}

// ValidateClassify checks raw against ClassifySchema and decodes it.
func ValidateClassify(raw json.RawMessage) (ClassifyAnswer, error) {
	var a ClassifyAnswer
	v, err := schemaValidate(ClassifySchema(), raw)
	if err != nil {
		return a, err
	}
	if err := schemaDecode(v, &a); err != nil {
		return a, err
	}
	for i := range a.Verdicts {
		a.Verdicts[i].Source = "model"
	}
	for i := range a.Observations {
		a.Observations[i].Source = "model"
	}
	return a, nil
}

// ValidateRecommend checks raw against RecommendSchema and decodes it.
func ValidateRecommend(raw json.RawMessage) (RecommendAnswer, error) {
	var a RecommendAnswer
	v, err := schemaValidate(RecommendSchema(), raw)
	if err != nil {
		return a, err
	}
	if err := schemaDecode(v, &a); err != nil {
		return a, err
	}
	for i := range a.Recommendations {
		a.Recommendations[i].Source = "model"
	}
	return a, nil
}

func schemaDecode(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("re-encoding tool input: %w", err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &ValidationError{Problems: []string{err.Error()}}
	}
	return nil
}

const schemaMaxProblems = 20

// schemaValidate parses raw and checks it against the subset of JSON Schema the
// tool schemas use. Unknown properties are ignored rather than rejected (the
// schema still asks the model not to send them): a stray field is no reason to
// spend a retry. An array sent as a JSON string, a known model quirk, is
// accepted and replaced by the array.
func schemaValidate(schema map[string]any, raw json.RawMessage) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, &ValidationError{Problems: []string{"tool input is empty; send a JSON object"}}
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, &ValidationError{Problems: []string{"tool input is not valid JSON: " + err.Error()}}
	}
	if d.More() {
		return nil, &ValidationError{Problems: []string{"tool input has data after the JSON object"}}
	}
	var problems []string
	v = schemaCheck(schema, v, "input", &problems)
	if len(problems) > 0 {
		if len(problems) > schemaMaxProblems {
			n := len(problems) - schemaMaxProblems
			problems = append(problems[:schemaMaxProblems], fmt.Sprintf("and %d more problems", n))
		}
		return nil, &ValidationError{Problems: problems}
	}
	return v, nil
}

func schemaCheck(s map[string]any, v any, path string, problems *[]string) any {
	add := func(format string, args ...any) {
		*problems = append(*problems, path+": "+fmt.Sprintf(format, args...))
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			add("must be an object, got %s", schemaKind(v))
			return v
		}
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := m[r.(string)]; !ok {
					add("missing required field %q", r)
				}
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys) // stable messages
		for _, k := range keys {
			ps, ok := props[k].(map[string]any)
			if !ok {
				continue
			}
			m[k] = schemaCheck(ps, m[k], path+"."+k, problems)
		}
		return m
	case "array":
		if str, ok := v.(string); ok {
			var inner any
			d := json.NewDecoder(strings.NewReader(str))
			d.UseNumber()
			if d.Decode(&inner) == nil {
				if _, ok := inner.([]any); ok {
					v = inner
				}
			}
		}
		a, ok := v.([]any)
		if !ok {
			add("must be an array, got %s", schemaKind(v))
			return v
		}
		if n, ok := schemaInt(s["maxItems"]); ok && len(a) > n {
			add("has %d items, at most %d allowed", len(a), n)
		}
		if n, ok := schemaInt(s["minItems"]); ok && len(a) < n {
			add("has %d items, at least %d required", len(a), n)
		}
		if is, ok := s["items"].(map[string]any); ok {
			for i := range a {
				a[i] = schemaCheck(is, a[i], path+"["+strconv.Itoa(i)+"]", problems)
			}
		}
		return a
	case "string":
		str, ok := v.(string)
		if !ok {
			add("must be a string, got %s", schemaKind(v))
			return v
		}
		if n, ok := schemaInt(s["maxLength"]); ok && len(str) > n {
			add("is %d bytes long, at most %d allowed", len(str), n)
		}
		if n, ok := schemaInt(s["minLength"]); ok && utf8.RuneCountInString(str) < n {
			add("must not be empty")
		}
		if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, any(str)) {
			names := make([]string, len(enum))
			for i, e := range enum {
				names[i] = e.(string)
			}
			add("%q is not one of: %s", schemaQuoteShort(str), strings.Join(names, ", "))
		}
		return str
	case "number", "integer":
		n, ok := v.(json.Number)
		if !ok {
			add("must be a number, got %s", schemaKind(v))
			return v
		}
		f, err := n.Float64()
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			add("%s is not a finite number", n)
			return v
		}
		if s["type"] == "integer" && f != math.Trunc(f) {
			add("must be a whole number, got %s", n)
		}
		if lo, ok := schemaFloat(s["minimum"]); ok && f < lo {
			add("%s is below the minimum %g", n, lo)
		}
		if hi, ok := schemaFloat(s["maximum"]); ok && f > hi {
			add("%s is above the maximum %g", n, hi)
		}
		return n
	}
	return v
}

// schemaQuoteShort keeps a model's bad value short inside an error message.
func schemaQuoteShort(s string) string { return Sanitize(s, 60) }

func schemaKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

func schemaInt(v any) (int, bool) {
	n, ok := v.(int)
	return n, ok
}

func schemaFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// IsValidationError reports whether err came from a validator, i.e. the answer
// itself was wrong rather than the call.
func IsValidationError(err error) bool {
	var ve *ValidationError
	return errors.As(err, &ve)
}
