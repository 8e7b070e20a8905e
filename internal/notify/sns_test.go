package notify

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

func TestCleanSubject(t *testing.T) {
	tests := []struct {
		name, in string
		check    func(string) bool
	}{
		{"plain", "logsift: 3 attackers in access.csv", func(s string) bool { return s == "logsift: 3 attackers in access.csv" }},
		{"newline", "a\r\nBcc: x@example.com", func(s string) bool { return !strings.ContainsAny(s, "\r\n") }},
		{"long", strings.Repeat("x", 500), func(s string) bool { return len(s) == maxSubject }},
		{"unicode", "caf\u00e9 \u202e", func(s string) bool { return s == "caf? ?" }},
		{"empty", "\x00\x01", func(s string) bool { return s == "logsift report" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cleanSubject(tt.in)
			if !tt.check(got) {
				t.Errorf("cleanSubject(%q) = %q", tt.in, got)
			}
		})
	}
}

type fakeSNS struct {
	in  *sns.PublishInput
	err error

	pages    [][]string // subscription ARNs, one slice per page
	listErr  error
	listed   int // ListSubscriptionsByTopic calls
	gotToken []string
}

func (f *fakeSNS) ListSubscriptionsByTopic(_ context.Context, in *sns.ListSubscriptionsByTopicInput, _ ...func(*sns.Options)) (*sns.ListSubscriptionsByTopicOutput, error) {
	f.listed++
	f.gotToken = append(f.gotToken, aws.ToString(in.NextToken))
	if f.listErr != nil {
		return nil, f.listErr
	}
	page := 0
	if in.NextToken != nil {
		page, _ = strconv.Atoi(*in.NextToken)
	}
	out := &sns.ListSubscriptionsByTopicOutput{}
	if page < len(f.pages) {
		for _, arn := range f.pages[page] {
			out.Subscriptions = append(out.Subscriptions, types.Subscription{SubscriptionArn: aws.String(arn), Protocol: aws.String("email"), TopicArn: in.TopicArn})
		}
	}
	if page+1 < len(f.pages) {
		out.NextToken = aws.String(strconv.Itoa(page + 1))
	}
	return out, nil
}

func (f *fakeSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.in = in
	if f.err != nil {
		return nil, f.err
	}
	return &sns.PublishOutput{MessageId: aws.String("m-1")}, nil
}

func TestNotify(t *testing.T) {
	f := &fakeSNS{}
	n := &SNS{Client: f, TopicARN: "arn:aws:sns:us-east-1:123456789012:t"}
	// A body over the limit, cut in the middle of a two-byte rune.
	body := "x" + strings.Repeat("é", maxMessage)
	id, err := n.Notify(context.Background(), "logsift:\nreport", body)
	if err != nil || id != "m-1" {
		t.Fatalf("Notify = %q, %v", id, err)
	}
	msg := *f.in.Message
	if !utf8.ValidString(msg) || len(msg) > maxMessage+100 || !strings.HasSuffix(msg, "[message truncated; see the full report]\n") {
		t.Errorf("message: valid UTF-8 %v, %d bytes, ends %q", utf8.ValidString(msg), len(msg), msg[len(msg)-50:])
	}
	if *f.in.Subject != "logsift: report" || *f.in.TopicArn != n.TopicARN {
		t.Errorf("subject %q, topic %q", *f.in.Subject, *f.in.TopicArn)
	}
	f.err = errors.New("throttled")
	if _, err := n.Notify(context.Background(), "s", "b"); !errors.Is(err, f.err) || !strings.Contains(err.Error(), n.TopicARN) {
		t.Errorf("publish error %v does not wrap the cause and name the topic", err)
	}
}

func TestSubscribed(t *testing.T) {
	const confirmed = "arn:aws:sns:us-east-1:123456789012:t:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	denied := errors.New("AuthorizationError: not authorized to ListSubscriptionsByTopic")
	tests := []struct {
		name    string
		pages   [][]string
		listErr error
		want    bool
		calls   int
		wantErr error
	}{
		{name: "no subscription", pages: nil, want: false, calls: 1},
		{name: "only pending", pages: [][]string{{"PendingConfirmation"}}, want: false, calls: 1},
		{name: "pending and being deleted", pages: [][]string{{"PendingConfirmation", "Deleted"}}, want: false, calls: 1},
		{name: "confirmed", pages: [][]string{{confirmed}}, want: true, calls: 1},
		{name: "confirmed after pending", pages: [][]string{{"PendingConfirmation", confirmed}}, want: true, calls: 1},
		// The first page has only pending subscriptions: the next page is asked for.
		{name: "confirmed on the second page", pages: [][]string{{"PendingConfirmation"}, {confirmed}}, want: true, calls: 2},
		{name: "pending on every page", pages: [][]string{{"PendingConfirmation"}, {"PendingConfirmation"}, {"PendingConfirmation"}}, want: false, calls: 3},
		{name: "listing denied", listErr: denied, calls: 1, wantErr: denied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSNS{pages: tt.pages, listErr: tt.listErr}
			n := &SNS{Client: f, TopicARN: "arn:aws:sns:us-east-1:123456789012:t"}
			got, err := n.Subscribed(context.Background())
			if !errors.Is(err, tt.wantErr) || (err != nil && !strings.Contains(err.Error(), n.TopicARN)) {
				t.Fatalf("err = %v, want %v naming the topic", err, tt.wantErr)
			}
			if got != tt.want || f.listed != tt.calls {
				t.Errorf("Subscribed = %v after %d calls, want %v after %d", got, f.listed, tt.want, tt.calls)
			}
			if f.listed > 1 && f.gotToken[1] != "1" {
				t.Errorf("second call sent token %q, want the first page's", f.gotToken[1])
			}
		})
	}
}

func TestSubscribedPageCap(t *testing.T) {
	pages := make([][]string, maxSubscriptionPages+5)
	for i := range pages {
		pages[i] = []string{"PendingConfirmation"}
	}
	f := &fakeSNS{pages: pages}
	n := &SNS{Client: f, TopicARN: "arn:aws:sns:us-east-1:123456789012:t"}
	if ok, err := n.Subscribed(context.Background()); ok || err == nil || f.listed != maxSubscriptionPages {
		t.Errorf("Subscribed = %v, %v after %d calls; want an error after %d", ok, err, f.listed, maxSubscriptionPages)
	}
}
