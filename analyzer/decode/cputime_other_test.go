//go:build !unix

package decode

import "time"

// cpuTime is unavailable here; the cpu-MB/s metric is then not reported.
func cpuTime() time.Duration { return 0 }
