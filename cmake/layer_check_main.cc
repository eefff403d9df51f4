// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The entry point of the wechatpay_layer_check_<layer> executables (cmake/layers.cmake): each
// links one layer's objects with the lower layers' objects and nothing above, so a call from a
// layer into a higher one leaves an undefined reference and the link fails. Never run.
int main() { return 0; }
