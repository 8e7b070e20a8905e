package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
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
