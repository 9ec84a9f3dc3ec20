package nn

// embeddingForward looks up one row of the embedding table per token:
//
//	tokens: (N); embed: (V, C); out: (N, C)
//	out[r] = embed[tokens[r]]
func embeddingForward(out []float32, tokens []int32, embed []float32, c int) {
	for r, t := range tokens {
		copy(out[r*c:r*c+c], embed[int(t)*c:int(t)*c+c])
	}
}

// embeddingBackward accumulates into the rows of the table that were read:
//
//	in the forward pass this was: out[r] = embed[tokens[r]]
//	dembed[tokens[r]] += dout[r]
//
// Rows are added in token order, so repeated tokens sum deterministically.
func embeddingBackward(dembed, dout []float32, tokens []int32, c int) {
	for r, t := range tokens {
		d := dembed[int(t)*c : int(t)*c+c]
		for i, v := range dout[r*c : r*c+c] {
			d[i] += v
		}
	}
}
