package bedrock

import "strings"

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	InputPerMTok  float64
	OutputPerMTok float64
}

// PriceTable maps a model id (foundation model or inference profile) to its
// price. Prices change and differ by region: the defaults are on-demand list
// prices, and a model without a price has its cost left out of the report,
// which says so.
type PriceTable map[string]Price

// DefaultPrices holds Claude Haiku 4.5 at $1 per million input tokens and $5
// per million output tokens.
func DefaultPrices() PriceTable {
	return PriceTable{
		"anthropic.claude-haiku-4-5-20251001-v1:0": {InputPerMTok: 1, OutputPerMTok: 5},
	}
}

// profilePrefixes are the geographic prefixes of cross-region inference
// profiles; a profile costs what its foundation model costs.
var profilePrefixes = []string{"us.", "eu.", "apac.", "global.", "jp.", "au.", "ca.", "us-gov."}

// Lookup finds the price of a model id, trying the id as is and then without
// an inference-profile prefix.
func (t PriceTable) Lookup(model string) (Price, bool) {
	if p, ok := t[model]; ok {
		return p, true
	}
	for _, pre := range profilePrefixes {
		if base, ok := strings.CutPrefix(model, pre); ok {
			if p, ok := t[base]; ok {
				return p, true
			}
		}
	}
	return Price{}, false
}

// Cost is the price of the given token counts.
func (p Price) Cost(in, out int64) float64 {
	return float64(in)*p.InputPerMTok/1e6 + float64(out)*p.OutputPerMTok/1e6
}
