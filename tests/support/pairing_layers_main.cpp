// The test program of the pairing layers (support/pairing_layers.hpp): GoogleTest's main, with
// every layer's tests registered on every compiled pairing in between.
#include <gtest/gtest.h>

#include "support/pairing_layers.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  smrlab_test::register_pairing_layer_tests();
  return RUN_ALL_TESTS();
}
