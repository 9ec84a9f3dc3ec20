package nn

// Clone returns a model with the same configuration and a copy of m's
// parameters (zero gradients, fresh buffers): the frozen reference policy of
// a KL term, or a snapshot.
func (m *Model) Clone() *Model {
	c, err := NewModel(m.Cfg)
	if err != nil {
		panic("nn: Clone of a model with an invalid config: " + err.Error())
	}
	copy(c.P.Data, m.P.Data)
	c.Origin = m.Origin
	return c
}

// WithValueHead returns m when it already has a value head, otherwise a copy
// of m with a zero-initialised one: PPO's critic shares the policy's trunk,
// and a zero head starts it at V = 0 without moving the policy.
func (m *Model) WithValueHead() *Model {
	if m.Cfg.ValueHead {
		return m
	}
	c := m.Cfg
	c.ValueHead = true
	v, err := NewModel(c)
	if err != nil {
		panic("nn: WithValueHead: " + err.Error()) // m's config was valid; adding a head cannot invalidate it
	}
	src := map[string][]float32{}
	for _, t := range m.P.Named() {
		src[t.Name] = t.Data
	}
	for _, t := range v.P.Named() {
		if d, ok := src[t.Name]; ok {
			copy(t.Data, d)
		}
	}
	v.Origin = m.Origin
	return v
}
