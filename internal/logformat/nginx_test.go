package logformat

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nginxUsers are Basic-auth user names that nginx logs raw as $remote_user:
// addresses, spaces, quotes, brackets, a fake log line, control bytes. nginx
// ends the name at its first colon, so times and IPv6 addresses arrive cut
// (the hand-written tests in client_test.go have them whole, as other
// authentication schemes can log them).
var nginxUsers = []string{
	"8.8.8.8 x y",
	"10.1.2.3 x y",
	"bad.cafe x y",
	"- - 8.8.8.8",
	"2001:db8::1 - -",
	`a "quoted" name`,
	"[20/Nov/2026:10:00:00 +0000]",
	`x [20/Nov/2026:10:00:00 +0000] "GET /innocent HTTP/1.1" 200 1 "-" "-"`,
	`x [1/Jan/2020:00:00:00 +0000] - 200 0`,
	`]] [[ \ back\slash`,
	"tab\there\nnewline\x01",
	"Sep 29 10:37:05 web01 nginx: 8.8.8.8",
	"8.8.8.8, 9.9.9.9",
	"caf\xc3\xa9 \xff\xfe",
	"",
}

// TestRealNginx runs Debian's nginx on loopback, sends it requests whose
// Basic-auth user names try to pose as another client or another time, and
// checks that logsift reads every line of its combined access log, charged
// to 127.0.0.1, for the request that was made.
func TestRealNginx(t *testing.T) {
	dir := t.TempDir()
	addr := startNginx(t, dir)

	start := time.Now().UTC().Add(-time.Second)
	var paths []string
	for i, u := range nginxUsers {
		auth := base64.StdEncoding.EncodeToString([]byte(u + ":secret"))
		path := fmt.Sprintf("/.env?n=%d", i)
		paths = append(paths, path)
		rawRequest(t, addr, "GET "+path+" HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic "+auth+
			"\r\nUser-Agent: sqlmap/1.7 \"[20/Nov/2026:10:00:00 +0000]\"\r\nReferer: \" 200 1 \"-\r\nConnection: close\r\n\r\n")
	}
	end := time.Now().UTC().Add(time.Second)

	log := filepath.Join(dir, "access.log")
	data := waitForLines(t, log, len(paths))
	recs, r := readString(t, string(data), Options{})
	st := r.Stats()
	if r.Format() != Combined || st.Rejected != 0 || len(recs) != len(paths) {
		t.Fatalf("format %q, %d records of %d, rejected %v %+v\n%s", r.Format(), len(recs), len(paths), st.Reasons, st.Samples, data)
	}
	for i, rec := range recs {
		if rec.Client.String() != "127.0.0.1" || rec.Path != "/.env" || rec.RawQuery != fmt.Sprintf("n=%d", i) || rec.Status != 404 ||
			rec.Time.Before(start.Truncate(time.Second)) || rec.Time.After(end) || rec.UA != `sqlmap/1.7 "[20/Nov/2026:10:00:00 +0000]"` {
			t.Errorf("user %q: %+v\nlogged as %s", nginxUsers[i], rec, strings.Split(string(data), "\n")[i])
		}
	}
}

// TestRealNginxVhost sends Host headers that try to pose as the client to
// an nginx that logs the vhost first, validated ($host) and raw
// ($http_host). Every line is charged to 127.0.0.1 or, where the raw Host
// header holds an address and nginx answered 400, rejected: never charged
// to another address.
func TestRealNginxVhost(t *testing.T) {
	dir := t.TempDir()
	addr := startNginx(t, dir)
	hosts := []string{"www.example.com", "evil 8.8.8.8", "8.8.8.8 9.9.9.9", "evil 8.8.8.8 -", "x [1/Jan/2020:00:00:00 +0000] 8.8.8.8 - -", `a"b`, "8.8.8.8", "10.1.2.3:80", ""}
	for i, h := range hosts {
		hdr := "Host: " + h + "\r\n"
		if h == "" {
			hdr = ""
		}
		rawRequest(t, addr, fmt.Sprintf("GET /.env?n=%d HTTP/1.1\r\n%sAuthorization: Basic %s\r\nConnection: close\r\n\r\n",
			i, hdr, base64.StdEncoding.EncodeToString([]byte("9.9.9.9 - x:pw"))))
	}
	for _, name := range []string{"host.log", "http_host.log"} {
		data := waitForLines(t, filepath.Join(dir, name), len(hosts))
		recs, r := readString(t, string(data), Options{Hint: Combined})
		st := r.Stats()
		if st.Parsed+st.Rejected != int64(len(hosts)) || st.Rejected != st.Reasons[ReasonBadClientIP] {
			t.Errorf("%s: %+v\n%s", name, st, data)
		}
		if name == "host.log" && st.Rejected != 0 {
			t.Errorf("%s: $host is validated, yet lines were rejected: %+v\n%s", name, st.Samples, data)
		}
		for _, rec := range recs {
			if rec.Client.String() != "127.0.0.1" || rec.Path != "/.env" {
				t.Errorf("%s: %+v\n%s", name, rec, data)
			}
		}
	}
}

// startNginx starts nginx in the foreground with its prefix, configuration
// and logs in dir, listening on a free loopback port, and stops it at the
// end of the test. It writes access.log (combined), host.log and
// http_host.log (the vhost first: validated, and the raw Host header).
// Without nginx the test is skipped, or fails under CI.
func startNginx(t *testing.T, dir string) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("nginx not installed: .ci/run installs nginx-light")
		}
		t.Skip("nginx not installed (apt-get install nginx-light): the real-nginx test did not run")
	}
	for attempt := 0; ; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 64; }
http {
	log_format host '$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';
	log_format http_host '$http_host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';
	access_log %[1]s/access.log combined;
	access_log %[1]s/host.log host;
	access_log %[1]s/http_host.log http_host;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	server {
		listen %[2]s;
		location / { return 404; }
	}
}
`, dir, addr)
		confPath := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", confPath)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting nginx: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGQUIT)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		})
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case err := <-exited:
				errLog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
				if attempt < 3 && strings.Contains(string(errLog), "Address already in use") {
					goto retry
				}
				t.Fatalf("nginx exited: %v\n%s\n%s", err, out.String(), errLog)
			default:
			}
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				return addr
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("nginx did not listen on %s within 15 s", addr)
	retry:
	}
}

// rawRequest sends req as written (no client library rewrites the headers)
// and reads the whole answer.
func rawRequest(t *testing.T, addr, req string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	status, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.Contains(status, " 404 ") && !strings.Contains(status, " 400 ") {
		t.Fatalf("answer %q, %v", status, err)
	}
}

// waitForLines waits until the log holds n lines: nginx writes each line
// after the answer is sent.
func waitForLines(t *testing.T, path string, n int) []byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(path)
		if strings.Count(string(data), "\n") >= n || time.Now().After(deadline) {
			return data
		}
		time.Sleep(20 * time.Millisecond)
	}
}
