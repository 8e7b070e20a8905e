// Package notify sends the report email through Amazon SNS.
package notify

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// SNSAPI is the part of the SNS client used here.
type SNSAPI interface {
	Publish(context.Context, *sns.PublishInput, ...func(*sns.Options)) (*sns.PublishOutput, error)
	ListSubscriptionsByTopic(context.Context, *sns.ListSubscriptionsByTopicInput, ...func(*sns.Options)) (*sns.ListSubscriptionsByTopicOutput, error)
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

// maxSubscriptionPages bounds Subscribed's paging (100 subscriptions a page):
// a topic of logsift's has one or a few.
const maxSubscriptionPages = 50

// Subscribed reports whether at least one subscriber of the topic has
// confirmed its subscription. SNS accepts a publish to a topic whose only
// subscription is still pending and delivers it to no one; ListSubscriptionsByTopic
// shows such a subscription with the ARN "PendingConfirmation" (and one being
// removed as "Deleted") instead of its ARN.
func (n *SNS) Subscribed(ctx context.Context) (bool, error) {
	in := &sns.ListSubscriptionsByTopicInput{TopicArn: &n.TopicARN}
	for range maxSubscriptionPages {
		out, err := n.Client.ListSubscriptionsByTopic(ctx, in)
		if err != nil {
			return false, fmt.Errorf("list the subscriptions of %s: %w", n.TopicARN, err)
		}
		for _, sub := range out.Subscriptions {
			if strings.HasPrefix(aws.ToString(sub.SubscriptionArn), "arn:") {
				return true, nil
			}
		}
		if aws.ToString(out.NextToken) == "" {
			return false, nil
		}
		in.NextToken = out.NextToken
	}
	return false, fmt.Errorf("list the subscriptions of %s: no confirmed one in the first %d pages", n.TopicARN, maxSubscriptionPages)
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
