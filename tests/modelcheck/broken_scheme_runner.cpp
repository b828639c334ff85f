// smrlab_modelcheck_broken: the checker's command (modelcheck/check_command.hpp) with the
// deliberately broken schemes added, so that a counterexample can be seen and replayed:
//   smrlab_modelcheck_broken --scheme hazard_pointers_with_release_publication --model tso
#include "broken_pairings.hpp"
#include "modelcheck/check_command.hpp"

int main(int argc, char** argv) {
  return smr::modelcheck::check_command(argc, argv, smrlab_test::broken_pairings());
}
