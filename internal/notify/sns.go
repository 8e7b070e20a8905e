// Package notify sends the report email through Amazon SNS.
package notify

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// SNSAPI is the part of the SNS client used here.
type SNSAPI interface {
	Publish(context.Context, *sns.PublishInput, ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// SNS publishes to one topic; its email subscribers get the message.
type SNS struct {
	Client   SNSAPI
	TopicARN string
}

// maxSubject is SNS's limit for an email subject.
const maxSubject = 100

// maxMessage keeps well under SNS's 256 KB message limit.
const maxMessage = 200 << 10

// Notify publishes subject and body. The subject is made safe for SNS (ASCII
// printable, no newlines, at most 100 characters) and the body is bounded.
func (n *SNS) Notify(ctx context.Context, subject, body string) (string, error) {
	subject = cleanSubject(subject)
	if len(body) > maxMessage {
		// Cut on a rune boundary: SNS takes UTF-8 only.
		body = strings.ToValidUTF8(body[:maxMessage], "") + "\n[message truncated; see the full report]\n"
	}
	out, err := n.Client.Publish(ctx, &sns.PublishInput{
		TopicArn: &n.TopicARN,
		Subject:  &subject,
		Message:  &body,
	})
	if err != nil {
		return "", fmt.Errorf("publish to %s: %w", n.TopicARN, err)
	}
	if out.MessageId == nil {
		return "", nil
	}
	return *out.MessageId, nil
}

// cleanSubject keeps what SNS accepts in a subject: it must begin with a letter,
// number or punctuation and contain no line breaks or control characters.
func cleanSubject(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r > 0x7e {
			if r > 0x7e && r != 0xfffd {
				b.WriteByte('?')
			} else {
				b.WriteByte(' ')
			}
			continue
		}
		b.WriteRune(r)
	}
	out := strings.TrimSpace(b.String())
	if len(out) > maxSubject {
		out = out[:maxSubject-3] + "..."
	}
	if out == "" {
		out = "logsift report"
	}
	return out
}
