package answer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
)

// Names of the tools a model is forced to call. The tool's input schema is the
// answer's shape, so the answer arrives as JSON rather than prose.
const (
	ClassifyTool  = "record_verdicts"
	RecommendTool = "record_recommendations"
)

// Classify is a parsed answer of the classify tool. Nothing in it has been
// checked against the evidence yet: see VerifyClassify.
type Classify struct {
	Verdicts     []analysis.Verdict     `json:"verdicts"`
	Observations []analysis.Observation `json:"observations,omitempty"`
}

// Recommend is a parsed answer of the recommend tool; see VerifyRecommend.
type Recommend struct {
	Recommendations []analysis.Recommendation `json:"recommendations"`
}

func categoryNames() []any {
	out := make([]any, len(evidence.Categories))
	for i, c := range evidence.Categories {
		out[i] = string(c)
	}
	return out
}

func severityNames() []any {
	var out []any
	for s := evidence.Info; s <= evidence.Critical; s++ {
		out = append(out, s.String())
	}
	return out
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func categoryList(desc string) map[string]any {
	return map[string]any{
		"type":        "array",
		"description": desc,
		"maxItems":    len(evidence.Categories),
		"items":       map[string]any{"type": "string", "enum": categoryNames()},
	}
}

func actorList(desc string, max int) map[string]any {
	return map[string]any{
		"type":        "array",
		"description": desc,
		"maxItems":    max,
		"items":       map[string]any{"type": "string", "maxLength": analysis.MaxActorLen},
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
				"maxItems":    analysis.MaxVerdicts,
				"items": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"actor":      map[string]any{"type": "string", "maxLength": analysis.MaxActorLen, "description": "The actor id exactly as in the evidence."},
						"categories": categoryList("Attack families the evidence shows for this actor."),
						"severity":   map[string]any{"type": "string", "enum": severityNames()},
						"confidence": map[string]any{"type": "number", "minimum": 0, "maximum": 1},
						"rationale":  map[string]any{"type": "string", "maxLength": analysis.MaxRationaleLen, "description": "Why, citing only paths, counts and user agents that appear in the evidence."},
					},
					"required":             []any{"actor", "categories", "severity", "confidence", "rationale"},
					"additionalProperties": false,
				},
			},
			"observations": map[string]any{
				"type":        "array",
				"description": "Patterns shared by several actors (same tool, same probe set), if any.",
				"maxItems":    analysis.MaxObservations,
				"items": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"actors":  actorList("Actor ids exactly as in the evidence.", analysis.MaxVerdicts),
						"summary": map[string]any{"type": "string", "maxLength": analysis.MaxSummaryLen},
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
				"maxItems":    analysis.MaxRecommendations,
				"items": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"priority":   map[string]any{"type": "integer", "minimum": 1, "maximum": analysis.MaxRecommendations},
						"kind":       map[string]any{"type": "string", "enum": anys(analysis.ActionKinds)},
						"title":      map[string]any{"type": "string", "minLength": 1, "maxLength": analysis.MaxTitleLen},
						"detail":     map[string]any{"type": "string", "maxLength": analysis.MaxDetailLen},
						"categories": categoryList("The findings this action addresses."),
						"actors":     actorList("Actor ids from the findings this action addresses (for IP sets).", analysis.MaxVerdicts),
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

// invalidError lists everything wrong with a tool input, phrased so that it
// can be sent back to the model as is.
type invalidError struct {
	Problems []string
}

func (e *invalidError) Error() string {
	return "invalid tool input: " + strings.Join(e.Problems, "; ")
}

// ParseClassify checks raw against ClassifySchema and decodes it.
func ParseClassify(raw json.RawMessage) (Classify, error) {
	var a Classify
	v, err := validate(ClassifySchema(), raw)
	if err != nil {
		return a, err
	}
	if err := decode(v, &a); err != nil {
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

// ParseRecommend checks raw against RecommendSchema and decodes it.
func ParseRecommend(raw json.RawMessage) (Recommend, error) {
	var a Recommend
	v, err := validate(RecommendSchema(), raw)
	if err != nil {
		return a, err
	}
	if err := decode(v, &a); err != nil {
		return a, err
	}
	for i := range a.Recommendations {
		a.Recommendations[i].Source = "model"
	}
	return a, nil
}

func decode(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("re-encoding tool input: %w", err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &invalidError{Problems: []string{err.Error()}}
	}
	return nil
}

const maxProblems = 20

// validate parses raw and checks it against the subset of JSON Schema the
// tool schemas use. Unknown properties are ignored rather than rejected (the
// schema still asks the model not to send them): a stray field is no reason to
// spend a retry. An array sent as a JSON string, a known model quirk, is
// accepted and replaced by the array.
func validate(schema map[string]any, raw json.RawMessage) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, &invalidError{Problems: []string{"tool input is empty; send a JSON object"}}
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, &invalidError{Problems: []string{"tool input is not valid JSON: " + err.Error()}}
	}
	if d.More() {
		return nil, &invalidError{Problems: []string{"tool input has data after the JSON object"}}
	}
	var problems []string
	v = check(schema, v, "input", &problems)
	if len(problems) > 0 {
		if len(problems) > maxProblems {
			n := len(problems) - maxProblems
			problems = append(problems[:maxProblems], fmt.Sprintf("and %d more problems", n))
		}
		return nil, &invalidError{Problems: problems}
	}
	return v, nil
}

func check(s map[string]any, v any, path string, problems *[]string) any {
	add := func(format string, args ...any) {
		*problems = append(*problems, path+": "+fmt.Sprintf(format, args...))
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			add("must be an object, got %s", kindOf(v))
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
			m[k] = check(ps, m[k], path+"."+k, problems)
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
			add("must be an array, got %s", kindOf(v))
			return v
		}
		if n, ok := asInt(s["maxItems"]); ok && len(a) > n {
			add("has %d items, at most %d allowed", len(a), n)
		}
		if n, ok := asInt(s["minItems"]); ok && len(a) < n {
			add("has %d items, at least %d required", len(a), n)
		}
		if is, ok := s["items"].(map[string]any); ok {
			for i := range a {
				a[i] = check(is, a[i], path+"["+strconv.Itoa(i)+"]", problems)
			}
		}
		return a
	case "string":
		str, ok := v.(string)
		if !ok {
			add("must be a string, got %s", kindOf(v))
			return v
		}
		if n, ok := asInt(s["maxLength"]); ok && len(str) > n {
			add("is %d bytes long, at most %d allowed", len(str), n)
		}
		if n, ok := asInt(s["minLength"]); ok && utf8.RuneCountInString(str) < n {
			add("must not be empty")
		}
		if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, any(str)) {
			names := make([]string, len(enum))
			for i, e := range enum {
				names[i] = e.(string)
			}
			add("%q is not one of: %s", quoteShort(str), strings.Join(names, ", "))
		}
		return str
	case "number", "integer":
		n, ok := v.(json.Number)
		if !ok {
			add("must be a number, got %s", kindOf(v))
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
		if lo, ok := asFloat(s["minimum"]); ok && f < lo {
			add("%s is below the minimum %g", n, lo)
		}
		if hi, ok := asFloat(s["maximum"]); ok && f > hi {
			add("%s is above the maximum %g", n, hi)
		}
		return n
	}
	return v
}

// quoteShort keeps a model's bad value short inside an error message.
func quoteShort(s string) string { return analysis.Sanitize(s, 60) }

func kindOf(v any) string {
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

func asInt(v any) (int, bool) {
	n, ok := v.(int)
	return n, ok
}

func asFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
