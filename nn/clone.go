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
	return c
}
