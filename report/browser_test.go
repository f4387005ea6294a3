package report

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds Debian's Chromium, or skips with the reason (fails under CI=true, where .ci/run
// installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	skipOrFail(t, "chromium not installed (apt-get install -y chromium): no real-browser test")
	return ""
}

// browser starts headless Chromium with the flags of docs toolchain.md and no way to reach any
// host: every name resolves to nothing, and the page is offline (see open).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // root on the CI machine
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// pageLog collects what the page must not do: console errors, uncaught exceptions, browser log
// errors (a Content-Security-Policy violation, a failed load) and requests for anything but the
// file itself.
type pageLog struct {
	mu       sync.Mutex
	problems []string
}

func (l *pageLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

func (l *pageLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.problems
	l.problems = nil
	return p
}

// open loads file (a rendered report) from file:// in a new tab of ctx, offline, and returns the
// tab and its log.
func open(t *testing.T, ctx context.Context, file string) (context.Context, *pageLog) {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	pl := &pageLog{}
	if err := chromedp.Do(tab, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	// Offline on top of the resolver rules: every request fails, whatever its address.
	if _, err := chromedp.Call(tab, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}},
	}); err != nil {
		t.Fatalf("emulate offline: %v", err)
	}
	url := "file://" + file
	if err := chromedp.Listen(tab, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				pl.add("console.%s: %s", ev.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			pl.add("exception at %d:%d: %s", d.LineNumber, d.ColumnNumber, msg)
		case *log.EventEntryAdded:
			// Errors only: the test's own canvas readback logs a performance warning.
			if ev.Entry.Level == log.EntryLevelError {
				pl.add("log %s (%s): %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			if u := ev.Request.URL; u != url && !strings.HasPrefix(u, "data:") {
				pl.add("request for %s", u)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	return tab, pl
}

// chartState is what the page reports about one chart container.
type chartState struct {
	ID     string `json:"id"`
	Drawn  bool   `json:"drawn"`
	Series int    `json:"series"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Inked  int    `json:"inked"` // canvas pixels that are not transparent
}

// chartsJS reads every chart container: its echarts instance, series and painted pixels.
const chartsJS = `Array.from(document.querySelectorAll('.chart')).map(function (el) {
  var inst = echarts.getInstanceByDom(el), c = el.querySelector('canvas'), inked = 0, w = 0, h = 0;
  if (c) {
    w = c.width; h = c.height;
    var d = c.getContext('2d').getImageData(0, 0, w, h).data;
    for (var i = 3; i < d.length; i += 4) if (d[i] > 0) inked++;
  }
  return {id: el.id, drawn: !!inst && !!c, series: inst ? inst.getOption().series.length : 0, width: w, height: h, inked: inked};
})`

// TestBrowser opens reports in headless Chromium from file:// with no network and checks that
// nothing fails, every chart is drawn, the filter works for a person typing, and the page
// screenshot is not blank. The screenshots go to t.TempDir(), or to $REPORT_SCREENSHOT_DIR to
// look at them.
func TestBrowser(t *testing.T) {
	needEcharts(t)
	ctx := browser(t)
	for _, tc := range inputs() {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Build(tc.in(t))
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), tc.name+".html")
			var b bytes.Buffer
			if err := Render(&b, m); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			tab, pl := open(t, ctx, file)

			n, err := chromedp.Run(tab, chromedp.Evaluate[int](`window.driftwatchDrawAll()`))
			if err != nil {
				t.Fatal(err)
			}
			states, err := chromedp.Run(tab, chromedp.Evaluate[[]chartState](chartsJS))
			if err != nil {
				t.Fatal(err)
			}
			if len(states) == 0 || n != len(states) {
				t.Errorf("%d charts drawn of %d", n, len(states))
			}
			for _, s := range states {
				// 2,000 pixels: more than a title and axes alone leave blank in a 300-pixel chart.
				if !s.Drawn || s.Series == 0 || s.Width == 0 || s.Height == 0 || s.Inked < 2000 {
					t.Errorf("chart %s not drawn: %+v", s.ID, s)
				}
			}

			// Filter as a person would: type a feature's name into the search box.
			name := m.Features[len(m.Features)-1].Name
			if err := chromedp.Do(tab, chromedp.SendKeys(chromedp.CSS("#dw-q"), name)); err != nil {
				t.Fatal(err)
			}
			type filterState struct {
				Count   string   `json:"count"`
				Visible []string `json:"visible"`
			}
			fs, err := chromedp.Run(tab, chromedp.Evaluate[filterState](`({count: document.getElementById('dw-count').textContent,
				visible: Array.from(document.querySelectorAll('.feature')).filter(function (f) { return !f.hidden; }).map(function (f) { return f.querySelector('h3').firstChild.textContent.trim(); })})`))
			if err != nil {
				t.Fatal(err)
			}
			matches := 0
			for _, f := range m.Features {
				if strings.Contains(strings.ToLower(f.Name), strings.ToLower(name)) {
					matches++
				}
			}
			if want := fmt.Sprintf("showing %s of %s features", formatInt(int64(matches)), formatInt(int64(len(m.Features)))); fs.Count != want || len(fs.Visible) != matches {
				t.Errorf("after typing %q: %q, visible %v; want %q", name, fs.Count, fs.Visible, want)
			}
			// Clear the search again for the screenshot.
			if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`(function(){var q=document.getElementById('dw-q');q.value='';q.dispatchEvent(new Event('input'));window.scrollTo(0,0);})()`)); err != nil {
				t.Fatal(err)
			}

			shot := screenshot(t, tab)
			dir := os.Getenv("REPORT_SCREENSHOT_DIR")
			if dir == "" {
				dir = t.TempDir()
			}
			path := filepath.Join(dir, tc.name+".png")
			if err := os.WriteFile(path, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			colours, inked := imageStats(t, shot)
			t.Logf("%s: %d bytes, %d charts, screenshot %s: %d colours, %.1f%% not white", tc.name, b.Len(), len(states), path, colours, 100*inked)
			// A blank or text-only page has a few dozen colours (anti-aliased grey text); charts
			// with their palette, decals and anti-aliasing have hundreds.
			if colours < 200 || inked < 0.02 {
				t.Errorf("screenshot looks blank: %d colours, %.1f%% not white", colours, 100*inked)
			}
			for _, p := range pl.take() {
				t.Error(p)
			}
		})
	}
}

// TestBrowserLazy checks on a 200-feature page that charts are drawn as they scroll into view,
// so a large page opens at once, and that the last one is drawn when reached.
func TestBrowserLazy(t *testing.T) {
	needEcharts(t)
	ctx := browser(t)
	m, err := Build(genInput(200, 2000))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "lazy.html")
	var b bytes.Buffer
	if err := Render(&b, m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, pl := open(t, ctx, file)
	drawn := func() []chartState {
		s, err := chromedp.Run(tab, chromedp.Evaluate[[]chartState](chartsJS))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// The observer reports the charts in view asynchronously, just after the load.
	var first []chartState
	n := 0
	for deadline := time.Now().Add(10 * time.Second); n == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		first = drawn()
		for _, s := range first {
			if s.Drawn {
				n++
			}
		}
	}
	t.Logf("%d bytes, %d of %d charts drawn after the load", b.Len(), n, len(first))
	if n == 0 || n >= len(first)/4 {
		t.Errorf("%d of %d charts drawn at load, want a few", n, len(first))
	}
	if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight)`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		last := drawn()
		if l := last[len(last)-1]; l.Drawn && l.Inked > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the last chart was not drawn after scrolling to it")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, p := range pl.take() {
		t.Error(p)
	}
}

// TestBrowserEscaping opens, in a real HTML parser, a report whose every string carries markup and
// quotes (hostileModel): no element is injected, nothing is loaded, and the title, names,
// attributes and notes read back as the model's strings (NUL and invalid UTF-8 as U+FFFD, as the
// parser decodes them); then every chart draws from the option table.
func TestBrowserEscaping(t *testing.T) {
	needEcharts(t)
	ctx := browser(t)
	_, m := hostileModel(t)
	file := filepath.Join(t.TempDir(), "hostile.html")
	var b bytes.Buffer
	if err := Render(&b, m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, pl := open(t, ctx, file)
	type dom struct {
		Images   int    `json:"images"`
		Scripts  int    `json:"scripts"`
		Title    string `json:"title"`
		H1       string `json:"h1"`
		Name     string `json:"name"`
		Heading  string `json:"heading"`
		Label    string `json:"label"`
		Units    string `json:"units"`
		Note     string `json:"note"`
		Sections int    `json:"sections"`
	}
	got, err := chromedp.Run(tab, chromedp.Evaluate[dom](`(function () {
  var f = document.querySelector('.feature'), c = f.querySelector('.chart');
  return {images: document.querySelectorAll('img').length, scripts: document.scripts.length,
    title: document.querySelector('title').textContent, h1: document.querySelector('h1').textContent,
    name: f.getAttribute('data-name'), heading: f.querySelector('h3').firstChild.textContent,
    label: c.getAttribute('aria-label'), units: c.getAttribute('data-units'),
    note: f.querySelector('.notes li').textContent, sections: document.querySelectorAll('section.feature').length};
})()`))
	if err != nil {
		t.Fatal(err)
	}
	parsed := func(s string) string { return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", "\uFFFD"), "\uFFFD") }
	f := m.Features[0]
	want := dom{
		Images: 0, Scripts: 3, Title: parsed(m.Title), H1: parsed(m.Title),
		Name: parsed(strings.ToLower(f.Name)), Heading: parsed(f.Name) + " ",
		Units: `["%","%"]`, Note: parsed(f.Notes[0]), Sections: len(m.Features),
	}
	// The first chart's title: the name, what it shows, then sample sizes.
	if label := parsed(f.Name) + ": share of "; !strings.HasPrefix(got.Label, label) {
		t.Errorf("chart label %q does not start with %q", got.Label, label)
	}
	got.Label = ""
	if got != want {
		t.Errorf("page as parsed:\n got %+v\nwant %+v", got, want)
	}
	n, err := chromedp.Run(tab, chromedp.Evaluate[int](`window.driftwatchDrawAll()`))
	if err != nil {
		t.Fatal(err)
	}
	if charts := strings.Count(b.String(), `<div class="chart" id=`); n != charts {
		t.Errorf("%d charts drawn of %d", n, charts)
	}
	for _, p := range pl.take() {
		t.Error(p)
	}
}

// imageStats decodes a PNG and returns its number of distinct colours and the share of pixels
// that are not white.
func imageStats(t *testing.T, b []byte) (int, float64) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	// Chromium writes 8-bit RGBA; convert anything else once.
	rgba, ok := img.(*image.NRGBA)
	if !ok {
		rgba = image.NewNRGBA(img.Bounds())
		draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
	}
	seen := map[uint32]bool{}
	inked := 0
	p := rgba.Pix
	for i := 0; i+3 < len(p); i += 4 {
		seen[uint32(p[i])<<16|uint32(p[i+1])<<8|uint32(p[i+2])] = true
		if p[i] < 0xf0 || p[i+1] < 0xf0 || p[i+2] < 0xf0 {
			inked++
		}
	}
	return len(seen), float64(inked) / float64(len(p)/4)
}

// screenshot takes a PNG of the whole page, measured from the document (at most 16,000 pixels
// high, Chromium's limit for one capture).
func screenshot(t *testing.T, tab context.Context) []byte {
	t.Helper()
	size, err := chromedp.Run(tab, chromedp.Evaluate[[2]float64](`[document.documentElement.scrollWidth, document.documentElement.scrollHeight]`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Call(tab, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format:                page.CaptureScreenshotFormatPng,
		Clip:                  &page.Viewport{Width: size[0], Height: min(size[1], 16000), Scale: 1},
		CaptureBeyondViewport: new(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Data
}
