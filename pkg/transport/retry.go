package transport

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// RetryPolicy bounds how often and how long a request is retried.
type RetryPolicy struct {
	// Attempts is the number of tries in all, the first included; 0 means 5.
	Attempts int
	// Base is the first backoff; it doubles with each try. 0 means 250ms.
	Base time.Duration
	// MaxWait caps a single wait, including one asked for by Retry-After.
	// 0 means 30s.
	MaxWait time.Duration
	// Sleep waits for d or until ctx ends; tests replace it to record waits.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = 5
	}
	if p.Base <= 0 {
		p.Base = 250 * time.Millisecond
	}
	if p.MaxWait <= 0 {
		p.MaxWait = 30 * time.Second
	}
	if p.Sleep == nil {
		p.Sleep = sleepContext
	}
	return p
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

type retrying struct {
	next   http.RoundTripper
	policy RetryPolicy
}

func newRetrying(next http.RoundTripper, p RetryPolicy) *retrying {
	return &retrying{next: next, policy: p.withDefaults()}
}

// retryableStatus are the answers a registry gives when trying again later
// can succeed: timeouts, throttling and server-side failures.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryableError is a connection that broke after it was made. A refused
// connection is not retried: the registry is down and the user should hear
// so at once.
func retryableError(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

func (r *retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		resp, err := r.next.RoundTrip(req)
		// A body that cannot be sent again (a streamed blob) is never retried
		// here; the OCI client retries whole uploads itself.
		rewindable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
		if attempt >= r.policy.Attempts || !rewindable {
			return resp, err
		}
		var wait time.Duration
		switch {
		case err != nil && retryableError(err):
			wait = r.backoff(attempt)
		case err == nil && retryableStatus(resp.StatusCode):
			wait = retryAfter(resp.Header.Get("Retry-After"), time.Now())
			if wait <= 0 {
				wait = r.backoff(attempt)
			}
			if wait > r.policy.MaxWait {
				return resp, nil // the server asks for more patience than we have
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		default:
			return resp, err
		}
		if err := r.policy.Sleep(ctx, wait); err != nil {
			return nil, err
		}
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(ctx)
			req.Body = body
		}
	}
}

func (r *retrying) backoff(attempt int) time.Duration {
	d := r.policy.Base << (attempt - 1)
	if d > r.policy.MaxWait || d <= 0 {
		d = r.policy.MaxWait
	}
	// Up to 20% jitter keeps many clients from retrying in lockstep.
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now)
	}
	return 0
}
