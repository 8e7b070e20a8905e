package loggen

import (
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// AmplifyHeader is the header line of an Amplify console access-log download,
// as Amplify writes it (the backslashes are Amplify's).
const AmplifyHeader = `date,time,x-edge-location,sc-bytes,c-ip,cs-method,cs\(Host),cs-uri-stem,sc-status,cs\(Referer),cs\(User-Agent),cs-uri-query,cs\(Cookie),x-edge-result-type,x-edge-request-id,x-host-header,cs-protocol,cs-bytes,time-taken,x-forwarded-for,ssl-protocol,ssl-cipher,x-edge-response-result-type,cs-protocol-version,fle-status,fle-encrypted-fields,c-port,time-to-first-byte,x-edge-detailed-result-type,sc-content-type,sc-content-len,sc-range-start,sc-range-end`

const cloudFrontHeader = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n"

// formatter writes events in one log format through a reused buffer.
type formatter struct {
	w      io.Writer
	o      Options
	buf    []byte
	rng    *rand.Rand
	sec    int64 // the second lastDate/lastTime were formatted for
	stamp  []byte
	albArn string
}

func newFormatter(w io.Writer, o Options) *formatter {
	return &formatter{
		w: w, o: o, buf: make([]byte, 0, 96<<10), sec: -1 << 62,
		rng:    rand.New(rand.NewPCG(uint64(o.Seed), 0x666d74)),
		albArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/site-web/73e2d6bc24d8a067",
	}
}

func (f *formatter) header() error {
	switch f.o.Format {
	case "amplify":
		f.buf = append(f.buf, AmplifyHeader...)
		f.buf = append(f.buf, '\n')
	case "cloudfront":
		f.buf = append(f.buf, cloudFrontHeader...)
	}
	return nil
}

func (f *formatter) row(e *event) error {
	switch f.o.Format {
	case "amplify":
		f.cloudFront(e, ',', true)
	case "cloudfront":
		f.cloudFront(e, '\t', false)
	case "combined":
		f.combined(e)
	case "alb":
		f.alb(e)
	}
	if len(f.buf) >= 64<<10 {
		return f.flush()
	}
	return nil
}

func (f *formatter) flush() error {
	if len(f.buf) == 0 {
		return nil
	}
	_, err := f.w.Write(f.buf)
	f.buf = f.buf[:0]
	return err
}

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// requestID appends the 54 characters of an x-edge-request-id (base64url of
// 40 bytes) before its "==" padding, which the caller writes.
func (f *formatter) requestID(b []byte) []byte {
	for i := 0; i < 6; i++ {
		x := f.rng.Uint64()
		n := 10
		if i == 5 {
			n = 4
		}
		for j := 0; j < n; j++ {
			b = append(b, b64[x&63])
			x >>= 6
		}
	}
	return b
}

// cloudFront writes the 33 CloudFront fields. Amplify's download is the same
// fields as CSV, with '(' and '=' escaped by a backslash and commas dropped.
func (f *formatter) cloudFront(e *event, sep byte, amplify bool) {
	b := f.buf
	if e.ms/1000 != f.sec {
		f.sec = e.ms / 1000
		f.stamp = time.Unix(f.sec, 0).UTC().AppendFormat(f.stamp[:0], "2006-01-02"+string(sep)+"15:04:05")
	}
	b = append(b, f.stamp...)
	b = append(b, sep)
	b = append(b, e.edge...)
	b = append(b, sep)
	b = strconv.AppendInt(b, e.bytes+240+int64(f.rng.IntN(120)), 10)
	b = append(b, sep)
	b = e.ip.AppendTo(b)
	b = append(b, sep)
	b = append(b, e.method...)
	b = append(b, sep)
	b = append(b, f.o.CloudFrontHost...)
	b = append(b, sep)
	b = appendCF(b, e.path, amplify)
	b = append(b, sep)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, sep)
	b = appendCF(b, e.referer, amplify)
	b = append(b, sep)
	b = appendCF(b, e.ua, amplify)
	b = append(b, sep)
	b = appendCF(b, e.query, amplify)
	b = append(b, sep, '-', sep)
	b = append(b, e.result...)
	b = append(b, sep)
	b = f.requestID(b)
	if amplify {
		b = append(b, `\=\=`...)
	} else {
		b = append(b, "=="...)
	}
	b = append(b, sep)
	b = append(b, f.o.Domain...)
	b = append(b, sep)
	b = append(b, "https"...)
	b = append(b, sep)
	b = strconv.AppendInt(b, int64(60+len(e.path)+len(e.query)+len(e.ua)/3), 10)
	b = append(b, sep)
	b = appendSeconds(b, e.taken)
	b = append(b, sep, '-', sep)
	if e.proto == "HTTP/1.1" {
		b = append(b, "TLSv1.2"...)
		b = append(b, sep)
		b = append(b, "ECDHE-RSA-AES128-GCM-SHA256"...)
	} else {
		b = append(b, "TLSv1.3"...)
		b = append(b, sep)
		b = append(b, "TLS_AES_128_GCM_SHA256"...)
	}
	b = append(b, sep)
	b = append(b, e.result...)
	b = append(b, sep)
	b = append(b, e.proto...)
	b = append(b, sep, '-', sep, '-', sep)
	b = strconv.AppendInt(b, int64(e.port), 10)
	b = append(b, sep)
	b = appendSeconds(b, max(e.taken-f.rng.IntN(3), 0))
	b = append(b, sep)
	b = append(b, e.result...)
	b = append(b, sep)
	if e.ctype == "" {
		b = append(b, '-')
	} else {
		b = append(b, e.ctype...)
	}
	b = append(b, sep)
	if e.ctype == "" || e.ctype == "application/javascript" || e.ctype == "text/css" {
		b = append(b, '-') // sent chunked
	} else {
		b = strconv.AppendInt(b, e.bytes, 10)
	}
	b = append(b, sep, '-', sep, '-', '\n')
	f.buf = b
}

// appendSeconds writes milliseconds as seconds with three decimals.
func appendSeconds(b []byte, ms int) []byte {
	b = strconv.AppendInt(b, int64(ms/1000), 10)
	r := ms % 1000
	return append(b, '.', byte('0'+r/100), byte('0'+r/10%10), byte('0'+r%10))
}

const hexDigits = "0123456789ABCDEF"

// appendCF writes a value as CloudFront logs it: percent-encoding spaces,
// controls, non-ASCII and the characters CloudFront encodes; "-" when empty.
func appendCF(b []byte, s string, amplify bool) []byte {
	if s == "" {
		return append(b, '-')
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case amplify && c == ',':
			// Amplify drops commas rather than quote the field.
		case amplify && (c == '(' || c == '='):
			b = append(b, '\\', c)
		case c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}':
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendQuoted writes s for a double-quoted field of an Apache/nginx or ALB log.
func appendQuoted(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < ' ' || c >= 0x7f:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
		default:
			b = append(b, c)
		}
	}
	return b
}

func (f *formatter) combined(e *event) {
	b := f.buf
	b = e.ip.AppendTo(b)
	b = append(b, " - - ["...)
	if e.ms/1000 != f.sec {
		f.sec = e.ms / 1000
		f.stamp = time.Unix(f.sec, 0).UTC().AppendFormat(f.stamp[:0], "02/Jan/2006:15:04:05 -0700")
	}
	b = append(b, f.stamp...)
	b = append(b, "] \""...)
	b = append(b, e.method...)
	b = append(b, ' ')
	b = appendQuoted(b, e.path)
	if e.query != "" {
		b = append(b, '?')
		b = appendQuoted(b, e.query)
	}
	b = append(b, ' ')
	b = append(b, e.proto...)
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, e.bytes, 10)
	b = append(b, " \""...)
	b = appendQuoted(b, e.referer)
	b = append(b, "\" \""...)
	b = appendQuoted(b, e.ua)
	b = append(b, "\"\n"...)
	f.buf = b
}

func (f *formatter) alb(e *event) {
	b := f.buf
	if e.proto == "HTTP/1.1" {
		b = append(b, "https "...)
	} else {
		b = append(b, "h2 "...)
	}
	t := time.UnixMilli(e.ms).UTC()
	us := f.rng.IntN(1000)
	b = t.Add(time.Duration(us)*time.Microsecond).AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	b = append(b, " app/site-web/50dc6c495c0c9188 "...)
	b = e.ip.AppendTo(b)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(e.port), 10)
	b = append(b, " 10.0.1.23:80 0.000 "...)
	b = appendSeconds(b, e.taken)
	b = append(b, " 0.000 "...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(60+len(e.path)+len(e.query)+len(e.ua)), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, e.bytes+240, 10)
	b = append(b, " \""...)
	b = append(b, e.method...)
	b = append(b, " https://"...)
	b = append(b, f.o.Domain...)
	b = append(b, ":443"...)
	b = appendQuoted(b, e.path)
	if e.query != "" {
		b = append(b, '?')
		b = appendQuoted(b, e.query)
	}
	b = append(b, ' ')
	b = append(b, e.proto...)
	b = append(b, "\" \""...)
	b = appendQuoted(b, e.ua)
	b = append(b, "\" TLS_AES_128_GCM_SHA256 TLSv1.3 "...)
	b = append(b, f.albArn...)
	b = append(b, " \"Root=1-"...)
	b = strconv.AppendUint(b, uint64(e.ms/1000), 16)
	b = append(b, '-')
	x := f.rng.Uint64()
	for i := 0; i < 24; i++ {
		b = append(b, "0123456789abcdef"[x&15])
		x = x>>4 | x<<60
		if i == 15 {
			x = f.rng.Uint64()
		}
	}
	b = append(b, "\" \""...)
	b = append(b, f.o.Domain...)
	b = append(b, "\" \"arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012\" 0 "...)
	b = t.AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	b = append(b, " \"forward\" \"-\" \"-\" \"10.0.1.23:80\" \""...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, "\" \"-\" \"-\" TID_9f2c4e1a7b3d5f60 \"-\" \"-\" \"-\"\n"...)
	f.buf = b
}
