package detect

import "github.com/logsift/logsift/internal/evidence"

// MergeChunks merges the evidence of several chunks into one, within the
// detail and group limits of cfg, as one engine over all their rows would
// have made it (Result): every chunk keeps the first actors of the one
// ranking, so the run's first actors are among them, and the rest fold into
// the groups of their behaviour. The only difference is where a chunk had to
// fold groups coarser than the run would have (more than GroupLimit
// behaviours in one chunk).
func MergeChunks(cfg Config, chunks []evidence.Chunk) evidence.Chunk {
	cfg = cfg.withDefaults()
	out := evidence.Chunk{Suspicious: []evidence.Actor{}, Weak: []evidence.Actor{}}
	var folded []evidence.Group
	suspicious, weak, logins := detailLimits(&cfg, func(a evidence.Actor) { folded = append(folded, groupOf(&a)) })
	var groups [][]evidence.Group
	var linked [][]evidence.LinkedPath
	for _, c := range chunks {
		out.Requests += c.Requests
		out.Actors += c.Actors
		out.Allowlisted += c.Allowlisted
		out.Counts.Add(c.Counts)
		for _, a := range c.Suspicious {
			suspicious.add(a)
		}
		for _, a := range c.Weak {
			if loginOnly(&a) {
				logins.add(a)
			} else {
				weak.add(a)
			}
		}
		groups = append(groups, c.Groups)
		linked = append(linked, c.Linked)
	}
	out.Suspicious = append(out.Suspicious, suspicious.list()...)
	out.Weak = append(append(out.Weak, weak.list()...), logins.list()...)
	out.Groups = MergeGroups(cfg.GroupLimit, append(groups, folded)...)
	out.Linked = evidence.MergeLinked(maxLinked, linked...)
	return out
}
