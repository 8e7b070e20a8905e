package bedrocktest

import (
	"encoding/json"
	"strings"
)

// ConverseRequest is the JSON body of a Converse request, as the SDK writes it
// (only the members logsift uses are typed; Raw in Request has the rest).
type ConverseRequest struct {
	Messages        []Message        `json:"messages"`
	System          []ContentBlock   `json:"system,omitempty"`
	InferenceConfig *InferenceConfig `json:"inferenceConfig,omitempty"`
	ToolConfig      *ToolConfig      `json:"toolConfig,omitempty"`
}

// Message is one conversation turn.
type Message struct {
	Role    string         `json:"role"`
	Content []ContentBlock `json:"content"`
}

// ContentBlock is a union: one member is set.
type ContentBlock struct {
	Text       *string     `json:"text,omitempty"`
	ToolUse    *ToolUse    `json:"toolUse,omitempty"`
	ToolResult *ToolResult `json:"toolResult,omitempty"`
}

// ToolUse is a tool call, in an assistant message.
type ToolUse struct {
	ToolUseID string          `json:"toolUseId"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
}

// ToolResult answers a tool call, in a user message.
type ToolResult struct {
	ToolUseID string              `json:"toolUseId"`
	Content   []ToolResultContent `json:"content"`
	Status    string              `json:"status,omitempty"` // "success" or "error"
}

// ToolResultContent is a union: one member is set.
type ToolResultContent struct {
	Text *string         `json:"text,omitempty"`
	JSON json.RawMessage `json:"json,omitempty"`
}

// InferenceConfig holds the sampling settings.
type InferenceConfig struct {
	MaxTokens   int      `json:"maxTokens,omitempty"`
	Temperature *float64 `json:"temperature,omitempty"`
}

// ToolConfig lists the tools and which one the model must call.
type ToolConfig struct {
	Tools      []Tool      `json:"tools"`
	ToolChoice *ToolChoice `json:"toolChoice,omitempty"`
}

// Tool is a union with one member here.
type Tool struct {
	ToolSpec *ToolSpec `json:"toolSpec,omitempty"`
}

// ToolSpec describes one tool.
type ToolSpec struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	InputSchema struct {
		JSON json.RawMessage `json:"json"`
	} `json:"inputSchema"`
}

// ToolChoice is a union: auto, any, or a named tool.
type ToolChoice struct {
	Auto *struct{} `json:"auto,omitempty"`
	Any  *struct{} `json:"any,omitempty"`
	Tool *struct {
		Name string `json:"name"`
	} `json:"tool,omitempty"`
}

// ForcedTool is the tool the request forces, or "".
func (r *ConverseRequest) ForcedTool() string {
	if r.ToolConfig == nil || r.ToolConfig.ToolChoice == nil || r.ToolConfig.ToolChoice.Tool == nil {
		return ""
	}
	return r.ToolConfig.ToolChoice.Tool.Name
}

// Tool returns the spec of the named tool, or nil.
func (r *ConverseRequest) Tool(name string) *ToolSpec {
	if r.ToolConfig == nil {
		return nil
	}
	for _, t := range r.ToolConfig.Tools {
		if t.ToolSpec != nil && t.ToolSpec.Name == name {
			return t.ToolSpec
		}
	}
	return nil
}

// UserText is the text of every user message's text blocks, joined by newlines.
func (r *ConverseRequest) UserText() string {
	var b strings.Builder
	for _, m := range r.Messages {
		if m.Role != "user" {
			continue
		}
		for _, c := range m.Content {
			if c.Text != nil {
				b.WriteString(*c.Text)
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

// SystemText is the text of the system blocks, joined by newlines.
func (r *ConverseRequest) SystemText() string {
	var b strings.Builder
	for _, c := range r.System {
		if c.Text != nil {
			b.WriteString(*c.Text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// ToolResults returns the tool results sent back in user messages, in order.
func (r *ConverseRequest) ToolResults() []ToolResult {
	var out []ToolResult
	for _, m := range r.Messages {
		for _, c := range m.Content {
			if c.ToolResult != nil {
				out = append(out, *c.ToolResult)
			}
		}
	}
	return out
}
