package latent_test

import (
	"fmt"
	"math/rand/v2"
	"os"

	"musae/latent"
)

func ExampleLerp() {
	a, b := []float32{0, 2}, []float32{4, -2}
	fmt.Println(latent.Lerp(a, b, 0), latent.Lerp(a, b, 0.25), latent.Lerp(a, b, 1))
	// Output:
	// [0 2] [1 1] [4 -2]
}

func ExampleSlerp() {
	// A quarter circle: the midpoint of two orthogonal unit vectors keeps norm 1,
	// where the straight line's midpoint has norm 0.707.
	x, y := []float32{1, 0}, []float32{0, 1}
	mid := latent.Slerp(x, y, 0.5)
	fmt.Printf("slerp %.4f, norm %.4f\n", mid, latent.Norm(mid))
	lin := latent.Lerp(x, y, 0.5)
	fmt.Printf("lerp  %.4f, norm %.4f\n", lin, latent.Norm(lin))
	// Output:
	// slerp [0.7071 0.7071], norm 1.0000
	// lerp  [0.5000 0.5000], norm 0.7071
}

func ExampleInterpolate() {
	zs, err := latent.Interpolate([]float32{2, 0}, []float32{0, 2}, 4, "slerp")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, z := range zs {
		fmt.Printf("%.3f |z|=%.3f\n", z, latent.Norm(z))
	}
	_, err = latent.Interpolate([]float32{2, 0}, []float32{0, 2}, 4, "cubic")
	fmt.Println(err)
	// Output:
	// [2.000 0.000] |z|=2.000
	// [1.732 1.000] |z|=2.000
	// [1.000 1.732] |z|=2.000
	// [0.000 2.000] |z|=2.000
	// latent: interpolate: mode "cubic": want slerp or lerp
}

func ExampleGrid() {
	// Corners: top-left, top-right, bottom-left, bottom-right. The points come back
	// row-major, as image.Grid lays them out.
	corners := [4][]float32{{0, 0}, {1, 0}, {0, 1}, {1, 1}}
	zs, err := latent.Grid(corners, 3, 3, "lerp")
	if err != nil {
		fmt.Println(err)
		return
	}
	for r := range 3 {
		fmt.Println(zs[r*3], zs[r*3+1], zs[r*3+2])
	}
	// Output:
	// [0 0] [0.5 0] [1 0]
	// [0 0.5] [0.5 0.5] [1 0.5]
	// [0 1] [0.5 1] [1 1]
}

func ExampleSimilar() {
	z := []float32{3, 4}
	rng := rand.New(rand.NewPCG(1, 2))
	same, _ := latent.Similar(z, 1, 2, rng)
	fmt.Println(same)
	_, err := latent.Similar(z, 1.5, 2, rng)
	fmt.Println(err)
	// Output:
	// [[3 4] [3 4]]
	// latent: similar: similarity 1.5: want a value in [0, 1] (1 = z itself, 0 = a fresh prior sample)
}

func ExampleAttribute() {
	// Latent points of melodies with many notes and with few; the first dimension
	// happens to carry note density.
	dense := [][]float32{{2, 0.5}, {3, -0.5}}
	sparse := [][]float32{{-1, 0.2}, {-2, -0.2}}
	v, err := latent.Attribute(dense, sparse)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("attribute vector", v)

	z := []float32{0, 1}
	fmt.Println("denser", latent.Apply(z, v, 0.5), "sparser", latent.Apply(z, v, -1))

	attrs := latent.NewAttributes(2)
	if err := attrs.Learn("density", dense, sparse); err != nil {
		fmt.Println(err)
		return
	}
	if err := attrs.WriteJSON(os.Stdout); err != nil {
		fmt.Println(err)
	}
	_, err = attrs.Vector("tempo")
	fmt.Println(err)
	// Output:
	// attribute vector [4 0]
	// denser [2 1] sparser [-4 1]
	// {
	//   "dim": 2,
	//   "vectors": {
	//     "density": [4,0]
	//   },
	//   "counts": {
	//     "density": {"with": 2, "without": 2}
	//   }
	// }
	// latent: no such attribute "tempo" (have density)
}

func ExampleEval() {
	vars := map[string][]float32{
		"king":  {1, 1, 0},
		"man":   {1, 0, 0},
		"woman": {0, 0, 1},
	}
	for _, expr := range []string{"king - man + woman", "(man + woman)/2", "0.5*king + 0.5*woman", "king - queen", "2*(man + "} {
		z, err := latent.Eval(expr, vars)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(expr, "=", z)
	}
	// Output:
	// king - man + woman = [0 1 1]
	// (man + woman)/2 = [0.5 0 0.5]
	// 0.5*king + 0.5*woman = [0.5 0.5 0.5]
	// latent: eval "king - queen": column 8: unknown variable "queen" (have king, man, woman)
	// latent: eval "2*(man + ": column 10: unexpected end of expression: want a number, a name or "("
}
