package rewards

// Reward servers (rltrain --reward-http NAME=URL): batches are POSTed as
// JSON to a server that answers with one reward per sample, following
// OpenRLHF's remote reward model (--remote_rm_url) convention, so a server
// written for OpenRLHF works unchanged (the JSON is in doc.go).
//
// Decisions:
//   - at most MaxBatch samples per request; a batch is sent in chunks;
//   - a transport error or a 5xx status is retried once after a short
//     pause (OpenRLHF retries several times with a one-second pause); any
//     other failure (4xx, a body that is not the expected JSON, a wrong
//     number of rewards) gives the chunk no score at once;
//   - a reward of null, or a non-number, is no score for that sample alone;
//   - every failure is logged with the sample ids and counted as no score.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rltrain/rltrain/data"
)

// HTTPConfig configures a reward server client.
type HTTPConfig struct {
	// Timeout bounds one request, including reading the answer. Default 60s.
	Timeout time.Duration `json:"timeout"`
	// MaxBatch is the most samples per request. Default 256, range >= 1.
	MaxBatch int `json:"max_batch"`
	// RetryWait is the pause before the one retry of a request that failed
	// in transport or with a 5xx status. Default 1s, range >= 0.
	RetryWait time.Duration `json:"retry_wait"`
}

// DefaultHTTPConfig returns the defaults documented on HTTPConfig.
func DefaultHTTPConfig() HTTPConfig {
	return HTTPConfig{Timeout: 60 * time.Second, MaxBatch: 256, RetryWait: time.Second}
}

// Validate checks the configuration.
func (c HTTPConfig) Validate() error {
	if err := validateBatchConfig("HTTPConfig", c.Timeout, c.MaxBatch); err != nil {
		return err
	}
	if c.RetryWait < 0 {
		return fmt.Errorf("rewards: HTTPConfig.RetryWait %v: want >= 0", c.RetryWait)
	}
	return nil
}

// maxHTTPBody bounds a reward server's answer in bytes.
const maxHTTPBody = 64 << 20

// HTTPReward is a BatchReward backed by a reward server. It is safe for
// concurrent use (calls are serialised). Close it when the run ends.
type HTTPReward struct {
	name, url string
	cfg       HTTPConfig
	client    *http.Client
	log       io.Writer

	mu     sync.Mutex
	nextID int64
	stats  ProgramStats // Restarts counts retries
}

// NewHTTPReward returns the reward server client name for rawURL (http or
// https) after checking that something listens there. Log lines go to log
// (nil: os.Stderr).
func NewHTTPReward(name, rawURL string, cfg HTTPConfig, log io.Writer) (*HTTPReward, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("rewards: reward server %s: URL %q: want http://host:port/path", name, rawURL)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	conn, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("rewards: reward server %s: nothing answers at %s (%v): start the server first", name, rawURL, err)
	}
	conn.Close()
	if log == nil {
		log = os.Stderr
	}
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 2, IdleConnTimeout: 90 * time.Second}
	return &HTTPReward{name: name, url: rawURL, cfg: cfg, log: log, nextID: 1,
		client: &http.Client{Timeout: cfg.Timeout, Transport: tr}}, nil
}

// Name returns the reward's name in logs and metrics.
func (h *HTTPReward) Name() string { return h.name }

// Stats returns the counts so far (Restarts counts retried requests).
func (h *HTTPReward) Stats() ProgramStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stats
}

// Close drops the idle connections.
func (h *HTTPReward) Close() error {
	h.client.CloseIdleConnections()
	return nil
}

// Score implements Reward as a batch of one.
func (h *HTTPReward) Score(ctx context.Context, ex data.Example, c Completion) Result {
	return h.ScoreBatch(ctx, []Item{{Example: ex, Completion: c}})[0]
}

// ScoreBatch implements BatchReward: one POST per chunk of MaxBatch items.
func (h *HTTPReward) ScoreBatch(ctx context.Context, items []Item) []Result {
	h.mu.Lock()
	defer h.mu.Unlock()
	return scoreChunks(items, h.cfg.MaxBatch, &h.stats, func(chunk []Item, out []Result) {
		ids := make([]int64, len(chunk))
		for i := range ids {
			ids[i] = h.nextID
			h.nextID++
		}
		h.call(ctx, chunk, ids, out)
	})
}

// httpRequest is the POST body: OpenRLHF's three lists, then rltrain's.
type httpRequest struct {
	Query       []string         `json:"query"`   // prompt + completion
	Prompts     []string         `json:"prompts"` // prompt
	Labels      []string         `json:"labels"`  // answer
	Completions []string         `json:"completions"`
	IDs         []int64          `json:"ids"`
	Examples    []map[string]any `json:"examples"` // as a reward program's request lines
}

// httpAnswer is the response body.
type httpAnswer struct {
	Rewards   *[]json.RawMessage           `json:"rewards"`
	ExtraLogs map[string][]json.RawMessage `json:"extra_logs"`
	Messages  []string                     `json:"messages"`
}

// call scores one chunk, retrying a transport error or 5xx once.
func (h *HTTPReward) call(ctx context.Context, items []Item, ids []int64, out []Result) {
	req := httpRequest{IDs: ids}
	for i, it := range items {
		req.Query = append(req.Query, it.Example.Prompt+it.Completion.Text)
		req.Prompts = append(req.Prompts, it.Example.Prompt)
		req.Labels = append(req.Labels, it.Example.Answer)
		req.Completions = append(req.Completions, it.Completion.Text)
		req.Examples = append(req.Examples, wireRequest(ids[i], it))
	}
	body, err := json.Marshal(req)
	if err != nil {
		h.fail(out, ids, fmt.Sprintf("encoding the request: %v", err))
		return
	}
	var ans []byte
	for attempt := 0; ; attempt++ {
		var retry bool
		ans, retry, err = h.post(ctx, body)
		if err == nil {
			break
		}
		if !retry || attempt > 0 || ctx.Err() != nil {
			h.fail(out, ids, err.Error())
			return
		}
		h.logf("%s: %v; retrying once", sampleIDs(ids), err)
		h.stats.Restarts++
		select {
		case <-time.After(h.cfg.RetryWait):
		case <-ctx.Done():
			h.fail(out, ids, "stopped: "+ctx.Err().Error())
			return
		}
	}
	var a httpAnswer
	if err := json.Unmarshal(ans, &a); err != nil {
		h.fail(out, ids, fmt.Sprintf("answer %s is not the expected JSON object: %v%s", clip(string(ans)), err, nanHint(string(ans))))
		return
	}
	if a.Rewards == nil {
		h.fail(out, ids, fmt.Sprintf(`answer %s has no "rewards" list`, clip(string(ans))))
		return
	}
	if n := len(*a.Rewards); n != len(items) {
		h.fail(out, ids, fmt.Sprintf(`answer has %d rewards for %d samples: want one per sample, in order`, n, len(items)))
		return
	}
	for i, raw := range *a.Rewards {
		comps := map[string]json.RawMessage{}
		for k, v := range a.ExtraLogs {
			if i < len(v) {
				comps[k] = v[i]
			}
		}
		msg := ""
		if i < len(a.Messages) {
			msg = a.Messages[i]
		}
		r, err := wireScore(raw, comps, msg)
		if err != nil {
			err = fmt.Errorf("rewards[%d]: %w", i, err)
			h.fail(out[i:i+1], ids[i:i+1], err.Error())
			continue
		}
		if r.Reason == "" {
			r.Reason = h.name
		}
		out[i] = r
	}
}

// post sends body and returns the answer, or an error and whether it is
// worth one retry.
func (h *HTTPReward) post(ctx context.Context, body []byte) ([]byte, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, true, fmt.Errorf("POST %s: %v", h.url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPBody+1))
	switch {
	case err != nil:
		return nil, true, fmt.Errorf("POST %s: reading the answer: %v", h.url, err)
	case resp.StatusCode != http.StatusOK:
		return nil, resp.StatusCode >= 500, fmt.Errorf("POST %s: %s: %s", h.url, resp.Status, clip(strings.TrimSpace(string(b))))
	case len(b) > maxHTTPBody:
		return nil, false, errors.New("answer longer than 64 MiB")
	}
	return b, false, nil
}

// fail gives the samples no score, logging reason with their ids.
func (h *HTTPReward) fail(out []Result, ids []int64, reason string) {
	h.logf("%s: %s: no score", sampleIDs(ids), reason)
	for i := range out {
		out[i] = NoScore(fmt.Sprintf("reward server %s: %s", h.name, reason))
	}
	h.stats.Failed += len(out)
}

func (h *HTTPReward) logf(format string, args ...any) {
	fmt.Fprintf(h.log, "reward server %s: %s\n", h.name, fmt.Sprintf(format, args...))
}
