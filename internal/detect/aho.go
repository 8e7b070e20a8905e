package detect

// matcher is an Aho-Corasick automaton over a compressed byte alphabet: one
// pass over the text finds every pattern, whatever the number of patterns.
type matcher struct {
	class  [256]uint8 // byte -> alphabet class; 0 for bytes in no pattern
	stride int
	delta  []int32   // state*stride+class -> next state
	out    [][]int32 // pattern ids that end in a state, suffix matches included
}

// match is a pattern found in a text, ending at end (exclusive).
type match struct {
	id  int32
	end int
}

func newMatcher(pats []string) *matcher {
	m := &matcher{}
	n := 1
	for _, p := range pats {
		for i := 0; i < len(p); i++ {
			if c := p[i]; m.class[c] == 0 {
				if n == 256 {
					panic("detect: pattern alphabet too large")
				}
				m.class[c] = uint8(n)
				n++
			}
		}
	}
	m.stride = n
	newState := func() int32 {
		s := int32(len(m.delta) / n)
		for range n {
			m.delta = append(m.delta, -1)
		}
		m.out = append(m.out, nil)
		return s
	}
	newState()
	for id, p := range pats {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := int(m.class[p[i]])
			nx := m.delta[int(s)*n+c]
			if nx < 0 {
				nx = newState()
				m.delta[int(s)*n+c] = nx
			}
			s = nx
		}
		m.out[s] = append(m.out[s], int32(id))
	}
	fail := make([]int32, len(m.out))
	var queue []int32
	for c := range n {
		if nx := m.delta[c]; nx < 0 {
			m.delta[c] = 0
		} else {
			queue = append(queue, nx)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if f := m.out[fail[s]]; len(f) > 0 {
			m.out[s] = append(append([]int32(nil), m.out[s]...), f...)
		}
		for c := range n {
			i := int(s)*n + c
			if nx := m.delta[i]; nx < 0 {
				m.delta[i] = m.delta[int(fail[s])*n+c]
			} else {
				fail[nx] = m.delta[int(fail[s])*n+c]
				queue = append(queue, nx)
			}
		}
	}
	return m
}

// scan appends the matches in text to buf.
func (m *matcher) scan(text string, buf []match) []match {
	s := int32(0)
	n := m.stride
	for i := 0; i < len(text); i++ {
		s = m.delta[int(s)*n+int(m.class[text[i]])]
		if o := m.out[s]; o != nil {
			for _, id := range o {
				buf = append(buf, match{id, i + 1})
			}
		}
	}
	return buf
}
