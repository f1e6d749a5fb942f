// HDF5 through its C API for the Keras formats: owned handles, files opened from disk or from
// bytes in memory (the weights inside a .keras archive), checked reads of string attributes
// and float datasets, and a writer that builds a file in memory (written out atomically by the
// caller, so a failed export never leaves a half-written file).
#pragma once

#include <hdf5.h>

#include <string>
#include <vector>

#include "strata/tensor/tensor.h"

namespace strata::interop::hdf5 {

// Owns an HDF5 handle and closes it with the right function.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// A file opened read-only. `what` starts every error message ("Keras import", ...).
class File {
 public:
  File(const std::string& path, const std::string& what);
  // A file image held in memory (copied; `label` names it in messages).
  static File from_bytes(const std::string& bytes, const std::string& label, const std::string& what);
  hid_t id() const { return file_->get(); }
  const std::string& label() const { return label_; }

 private:
  File(std::string label, hid_t id);
  std::string label_;
  std::shared_ptr<Handle> file_;
};

// True when the file starts with the HDF5 signature.
bool is_hdf5_file(const std::string& path);
bool is_hdf5_bytes(const std::string& bytes);

bool has_attribute(hid_t object, const std::string& name);
bool has_link(hid_t group, const std::string& path);
// Names of a group's members, in HDF5's name order.
std::vector<std::string> member_names(hid_t group);

// A string or string-array attribute, fixed- or variable-length, its declared size checked
// against what the file stores before anything is read.
std::vector<std::string> read_strings(hid_t object, const std::string& name, const std::string& what);
// A numeric dataset as float32, its size checked against the file's before allocating.
Tensor read_dataset(hid_t group, const std::string& path, const std::string& what);

// Builds an HDF5 file in memory; bytes() is its image.
class Writer {
 public:
  Writer();
  hid_t root() const { return file_->get(); }
  // Creates a group (and any missing parents) and returns its handle.
  std::shared_ptr<Handle> group(hid_t parent, const std::string& path);
  void dataset(hid_t group, const std::string& name, const Tensor& value);
  // A variable-length UTF-8 string attribute (h5py's `attrs[name] = str`).
  void string_attribute(hid_t object, const std::string& name, const std::string& value);
  // A fixed-length byte-string array attribute (h5py's `attrs[name] = [b"...", ...]`, Keras 2's
  // layer_names and weight_names).
  void fixed_strings_attribute(hid_t object, const std::string& name, const std::vector<std::string>& values);
  std::string bytes();

 private:
  std::shared_ptr<Handle> file_;
};

}  // namespace strata::interop::hdf5
