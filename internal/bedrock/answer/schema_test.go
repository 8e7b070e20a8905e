package answer

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
)

func TestParseClassify(t *testing.T) {
	long := strings.Repeat("x", analysis.MaxRationaleLen+1)
	tests := []struct {
		name    string
		in      string
		wantErr []string // substrings of the error; nil means valid
	}{
		{"valid", `{"verdicts":[{"actor":"192.0.2.1","categories":["sqli"],"severity":"high","confidence":0.9,"rationale":"union select"}]}`, nil},
		{"valid with observations", `{"verdicts":[],"observations":[{"actors":["192.0.2.1"],"summary":"same tool"}]}`, nil},
		{"stringified array accepted", `{"verdicts":"[{\"actor\":\"192.0.2.1\",\"categories\":[],\"severity\":\"low\",\"confidence\":0,\"rationale\":\"\"}]"}`, nil},
		{"unknown field ignored", `{"verdicts":[],"extra":1}`, nil},
		{"empty", ``, []string{"empty"}},
		{"not json", `{"verdicts":[`, []string{"not valid JSON"}},
		{"trailing data", `{"verdicts":[]} {}`, []string{"after the JSON object"}},
		{"missing verdicts", `{}`, []string{`input: missing required field "verdicts"`}},
		{"not an object", `[1]`, []string{"input: must be an object, got an array"}},
		{"bad severity", `{"verdicts":[{"actor":"a","categories":[],"severity":"severe","confidence":1,"rationale":""}]}`,
			[]string{`input.verdicts[0].severity: "severe" is not one of: info, low, medium, high, critical`}},
		{"bad category", `{"verdicts":[{"actor":"a","categories":["benign"],"severity":"info","confidence":1,"rationale":""}]}`,
			[]string{`input.verdicts[0].categories[0]: "benign" is not one of: log4shell`}},
		{"confidence out of range", `{"verdicts":[{"actor":"a","categories":[],"severity":"info","confidence":1.5,"rationale":""}]}`,
			[]string{"input.verdicts[0].confidence: 1.5 is above the maximum 1"}},
		{"negative confidence", `{"verdicts":[{"actor":"a","categories":[],"severity":"info","confidence":-0.1,"rationale":""}]}`,
			[]string{"is below the minimum 0"}},
		{"confidence as string", `{"verdicts":[{"actor":"a","categories":[],"severity":"info","confidence":"high","rationale":""}]}`,
			[]string{"input.verdicts[0].confidence: must be a number, got a string"}},
		{"rationale too long", `{"verdicts":[{"actor":"a","categories":[],"severity":"info","confidence":1,"rationale":"` + long + `"}]}`,
			[]string{"input.verdicts[0].rationale: is 601 bytes long, at most 600 allowed"}},
		{"missing fields", `{"verdicts":[{"actor":"a"}]}`,
			[]string{`missing required field "categories"`, `missing required field "severity"`, `missing required field "confidence"`, `missing required field "rationale"`}},
		{"null actor", `{"verdicts":[{"actor":null,"categories":[],"severity":"info","confidence":1,"rationale":""}]}`,
			[]string{"input.verdicts[0].actor: must be a string, got null"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseClassify(json.RawMessage(tt.in))
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				for _, v := range a.Verdicts {
					if v.Source != "model" {
						t.Errorf("source %q, want model", v.Source)
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.wantErr)
			}
			if ie := new(invalidError); !errors.As(err, &ie) {
				t.Errorf("error %v is not an invalidError", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseClassifyDecodes(t *testing.T) {
	a, err := ParseClassify(json.RawMessage(`{"verdicts":[{"actor":"2001:db8::/64","categories":["wordpress-scan","admin-probing"],"severity":"medium","confidence":0.25,"rationale":"r","source":"rules"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	v := a.Verdicts[0]
	if v.Actor != "2001:db8::/64" || v.Severity != evidence.Medium || v.Confidence != 0.25 || len(v.Categories) != 2 || v.Source != "model" {
		t.Errorf("decoded %+v", v)
	}
}

func TestParseRecommend(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr []string
	}{
		{"valid", `{"recommendations":[{"priority":1,"kind":"waf-managed","title":"Enable AWSManagedRulesSQLiRuleSet","detail":"d","categories":["sqli"]}]}`, nil},
		{"empty list", `{"recommendations":[]}`, []string{"has 0 items, at least 1 required"}},
		{"bad kind", `{"recommendations":[{"priority":1,"kind":"firewall","title":"t","detail":"d","categories":[]}]}`, []string{`"firewall" is not one of: waf-ip-set`}},
		{"fractional priority", `{"recommendations":[{"priority":1.5,"kind":"app","title":"t","detail":"d","categories":[]}]}`, []string{"must be a whole number"}},
		{"empty title", `{"recommendations":[{"priority":1,"kind":"app","title":"","detail":"d","categories":[]}]}`, []string{"title: must not be empty"}},
		{"too many", `{"recommendations":[` + strings.Repeat(`{"priority":1,"kind":"app","title":"t","detail":"d","categories":[]},`, analysis.MaxRecommendations) + `{"priority":1,"kind":"app","title":"t","detail":"d","categories":[]}]}`, []string{"has 13 items, at most 12 allowed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRecommend(json.RawMessage(tt.in))
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// The schema must list exactly the shared enums, or the model could be asked
// for a value the rest of logsift does not know.
func TestSchemasUseSharedEnums(t *testing.T) {
	b, err := json.Marshal(ClassifySchema())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range evidence.Categories {
		if !strings.Contains(string(b), `"`+string(c)+`"`) {
			t.Errorf("classify schema lacks category %s", c)
		}
	}
	b, err = json.Marshal(RecommendSchema())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range analysis.ActionKinds {
		if !strings.Contains(string(b), `"`+k+`"`) {
			t.Errorf("recommend schema lacks kind %s", k)
		}
	}
	// Every enum value the schema allows must decode.
	for s := evidence.Info; s <= evidence.Critical; s++ {
		in := `{"verdicts":[{"actor":"a","categories":[],"severity":"` + s.String() + `","confidence":1,"rationale":""}]}`
		if _, err := ParseClassify(json.RawMessage(in)); err != nil {
			t.Errorf("severity %s: %v", s, err)
		}
	}
}

func FuzzParseClassify(f *testing.F) {
	f.Add([]byte(`{"verdicts":[{"actor":"a","categories":["sqli"],"severity":"high","confidence":0.5,"rationale":"x"}]}`))
	f.Add([]byte(`{"verdicts":"[1,2,{\"actor\":null}]","observations":[{"actors":[[]]}]}`))
	f.Add([]byte(`{"verdicts":[{"confidence":1e400}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseClassify(b)
		if err != nil {
			return
		}
		for _, v := range a.Verdicts {
			if v.Confidence < 0 || v.Confidence > 1 || len(v.Rationale) > analysis.MaxRationaleLen || v.Severity > evidence.Critical {
				t.Fatalf("accepted %+v", v)
			}
			for _, c := range v.Categories {
				if !c.Valid() {
					t.Fatalf("accepted category %q", c)
				}
			}
		}
		ParseRecommend(b)
	})
}
