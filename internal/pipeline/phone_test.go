package pipeline

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/report"
)

// TestHTMLReportOnPhone renders the sample's HTML report in headless
// Chromium at a phone's width (390 CSS pixels) and checks, on the
// screenshot, that the timeline and the category chart are drawn and fit the
// screen. The screenshot is kept in the test's output folder when -v is set.
func TestHTMLReportOnPhone(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("Chromium not installed (apt-get install chromium): the phone rendering is not checked")
	}
	rep, err := newStages(t).AnalyzeFiles(context.Background(), []string{"../../examples/access-logs.csv"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var b bytes.Buffer
	if err := report.Render(&b, rep, "html"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "phone.png")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=390,1600", "--screenshot="+shot, "file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		t.Logf("screenshot: %s", shot)
	}
	// The charts' own colours (templates/html.tmpl): the timeline's bars of
	// all requests, and the red of suspicious requests and category bars.
	grey := box(img, color.RGBA{0xaf, 0xb8, 0xc1, 0xff})
	red := box(img, color.RGBA{0xcf, 0x22, 0x2e, 0xff})
	w := img.Bounds().Dx()
	if grey.Empty() {
		t.Fatal("no timeline bar on the phone screenshot")
	}
	if grey.Max.X > w-8 || grey.Dx() < w/2 {
		t.Errorf("timeline spans x %d..%d of a %d-pixel screen: it should fill the width and fit in it", grey.Min.X, grey.Max.X, w)
	}
	if red.Empty() || red.Max.Y <= grey.Max.Y {
		t.Errorf("no category bars below the timeline (red %v, timeline %v)", red, grey)
	}
	if red.Max.X > w-8 {
		t.Errorf("red drawing reaches x %d of %d: cut off on a phone", red.Max.X, w)
	}
}

// box is the smallest rectangle holding every pixel of colour c.
func box(img image.Image, c color.RGBA) image.Rectangle {
	var r image.Rectangle
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if uint8(pr>>8) == c.R && uint8(pg>>8) == c.G && uint8(pb>>8) == c.B {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}
