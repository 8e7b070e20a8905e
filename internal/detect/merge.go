package detect

import "github.com/logsift/logsift/internal/evidence"

// Merger merges the evidence of several chunks into one, within the detail
// and group limits of its config, as one engine over all their rows would
// have made it (Result): every chunk keeps the first actors of the one
// ranking, so the run's first actors are among them, and the rest fold into
// the groups of their behaviour. The only difference is where a chunk had to
// fold groups coarser than the run would have (more than GroupLimit
// behaviours in one chunk). It holds no more than the limits, however many
// chunks it is given.
type Merger struct {
	out                      evidence.Chunk
	suspicious, weak, logins *bounded
	groups                   *groupSet
	linked                   []evidence.LinkedPath
}

// NewMerger starts a merge with cfg's limits.
func NewMerger(cfg Config) *Merger {
	cfg = cfg.withDefaults()
	m := &Merger{groups: newGroupSet(cfg.GroupLimit)}
	m.suspicious, m.weak, m.logins = detailLimits(&cfg, func(a evidence.Actor) { m.groups.add(groupOf(&a)) })
	return m
}

// Add merges one chunk.
func (m *Merger) Add(c evidence.Chunk) {
	m.out.Requests += c.Requests
	m.out.Actors += c.Actors
	m.out.Allowlisted += c.Allowlisted
	m.out.Counts.Add(c.Counts)
	for _, a := range c.Suspicious {
		m.suspicious.add(a)
	}
	for _, a := range c.Weak {
		if loginOnly(&a) {
			m.logins.add(a)
		} else {
			m.weak.add(a)
		}
	}
	for _, g := range c.Groups {
		m.groups.add(g)
	}
	m.linked = evidence.MergeLinked(len(m.linked)+len(c.Linked), m.linked, c.Linked)
}

// Result is the merged evidence.
func (m *Merger) Result() evidence.Chunk {
	out := m.out
	out.Suspicious = append([]evidence.Actor{}, m.suspicious.list()...)
	out.Weak = append(append([]evidence.Actor{}, m.weak.list()...), m.logins.list()...)
	out.Groups = m.groups.list()
	out.Linked = evidence.MergeLinked(maxLinked, m.linked)
	return out
}

// MergeChunks merges chunks with a Merger.
func MergeChunks(cfg Config, chunks []evidence.Chunk) evidence.Chunk {
	m := NewMerger(cfg)
	for _, c := range chunks {
		m.Add(c)
	}
	return m.Result()
}
