// Package answer checks what a model answered before anything in it reaches a
// report. The model is forced to call a tool whose input schema is the
// answer's shape (ClassifySchema, RecommendSchema), so the answer arrives as
// JSON; ParseClassify and ParseRecommend check it against that schema and
// phrase every problem so that it can be sent back to the model for one more
// try. VerifyClassify and VerifyRecommend then check the parsed answer against
// the evidence the model was shown: actors it was not shown are dropped, and
// sentences that name an IP address, a path or a request count the evidence
// does not contain are dropped. Every drop becomes a note for the report.
// analysis.WithFallback then makes sure the answer can add to the rules'
// findings but not remove or weaken them.
//
// The schema checker implements only the subset of JSON Schema the two tool
// schemas use; the schemas are built from evidence.Categories and the
// analysis limits, so an answer can never name a category or exceed a bound
// the report does not know.
package answer
