package rewards

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// rewardServer answers as an OpenRLHF remote reward model would, with
// faults chosen by the test: reward = len(completion), extra_logs.len too.
func rewardServer(t *testing.T, fault func(n int64, req httpRequest) (int, string)) (*httptest.Server, *atomic.Int64) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		var req httpRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", 400)
			return
		}
		if fault != nil {
			if code, body := fault(n, req); code != 0 {
				w.WriteHeader(code)
				io.WriteString(w, body)
				return
			}
		}
		rs, ls := make([]any, len(req.Query)), make([]float64, len(req.Query))
		for i, c := range req.Completions {
			if req.Query[i] != req.Prompts[i]+c || req.Labels[i] != "7" || req.Examples[i]["id"] != float64(req.IDs[i]) {
				http.Error(w, "inconsistent request", 400)
				return
			}
			rs[i], ls[i] = float64(len(c)), float64(len(c))
			if c == "null" {
				rs[i] = nil
			}
			if c == "str" {
				rs[i] = "x"
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"rewards": rs, "extra_logs": map[string]any{"len": ls}})
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func newHTTP(t *testing.T, url string, log *syncBuffer) *HTTPReward {
	t.Helper()
	cfg := DefaultHTTPConfig()
	cfg.MaxBatch, cfg.RetryWait, cfg.Timeout = 3, time.Millisecond, 2*time.Second
	h, err := NewHTTPReward("srv", url, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestHTTPRewardOpenRLHFConvention(t *testing.T) {
	var log syncBuffer
	srv, calls := rewardServer(t, nil)
	h := newHTTP(t, srv.URL+"/get_reward", &log)
	rs := h.ScoreBatch(context.Background(), items("a", "bb", "null", "str", "ccccc"))
	if calls.Load() != 2 {
		t.Errorf("%d requests for 5 items in chunks of 3", calls.Load())
	}
	if !rs[0].OK || rs[0].Score != 1 || rs[0].Reason != "len=1" || rs[1].Score != 2 || rs[4].Score != 5 {
		t.Errorf("%v", rs)
	}
	if rs[2].OK || rs[2].Reason != "len=4" && rs[2].Reason != "no score" {
		t.Errorf("null: %v", rs[2])
	}
	if rs[3].OK || !strings.Contains(rs[3].Reason, `rewards[0]: "score": "x" is not a number`) {
		t.Errorf("string: %v", rs[3])
	}
	if !strings.Contains(log.String(), "reward server srv: sample id 4: rewards[0]") {
		t.Errorf("log: %s", log.String())
	}
}

func TestHTTPRewardFailures(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fault    func(n int64, req httpRequest) (int, string)
		calls    int64
		ok       bool
		inReason string
	}{
		{"500 once is retried", func(n int64, _ httpRequest) (int, string) {
			if n == 1 {
				return 500, "overloaded"
			}
			return 0, ""
		}, 2, true, ""},
		{"500 twice", func(int64, httpRequest) (int, string) { return 500, "model crashed" }, 2, false, "500 Internal Server Error: \"model crashed\""},
		{"404 is not retried", func(int64, httpRequest) (int, string) { return 404, "no such path" }, 1, false, "404 Not Found"},
		{"wrong count", func(_ int64, req httpRequest) (int, string) { return 200, `{"rewards": [1]}` }, 1, false, "1 rewards for 2 samples"},
		{"invalid JSON", func(int64, httpRequest) (int, string) { return 200, `{"rewards": [NaN, 1]}` }, 1, false, "NaN and Infinity are not JSON"},
		{"no rewards key", func(int64, httpRequest) (int, string) { return 200, `{"scores": [1, 1]}` }, 1, false, `no "rewards" list`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkNoLeak(t)
			var log syncBuffer
			srv, calls := rewardServer(t, tc.fault)
			h := newHTTP(t, srv.URL, &log)
			rs := h.ScoreBatch(context.Background(), items("a", "bb"))
			if calls.Load() != tc.calls {
				t.Errorf("%d requests, want %d", calls.Load(), tc.calls)
			}
			for i, r := range rs {
				if r.OK != tc.ok || !strings.Contains(r.Reason, tc.inReason) {
					t.Errorf("item %d: %v, want ok %v, reason with %q", i, r, tc.ok, tc.inReason)
				}
			}
			if !tc.ok && (!strings.Contains(log.String(), "sample ids 1-2") || h.Stats().Failed != 2) {
				t.Errorf("log %q, stats %+v", log.String(), h.Stats())
			}
			h.Close()
			srv.Close()
		})
	}
}

func TestHTTPRewardStartupAndTimeout(t *testing.T) {
	var log syncBuffer
	for _, u := range []string{"localhost:8000", "ftp://x/y", "http://"} {
		if _, err := NewHTTPReward("srv", u, DefaultHTTPConfig(), &log); err == nil || !strings.Contains(err.Error(), "reward server srv") {
			t.Errorf("%q: %v", u, err)
		}
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	if _, err := NewHTTPReward("srv", url, DefaultHTTPConfig(), &log); err == nil || !strings.Contains(err.Error(), "nothing answers at") {
		t.Errorf("closed server: %v", err)
	}
	slow, _ := rewardServer(t, func(int64, httpRequest) (int, string) { time.Sleep(300 * time.Millisecond); return 0, "" })
	cfg := DefaultHTTPConfig()
	cfg.Timeout, cfg.RetryWait = 50*time.Millisecond, time.Millisecond
	h, err := NewHTTPReward("srv", slow.URL, cfg, &log)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if rs := h.ScoreBatch(context.Background(), items("a")); rs[0].OK || !strings.Contains(rs[0].Reason, "Timeout") {
		t.Errorf("%v", rs[0])
	}
}
