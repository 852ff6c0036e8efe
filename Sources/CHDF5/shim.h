#include <hdf5.h>
// HDF5's type and flag "constants" are macros over globals that are only valid after H5open();
// Swift 6 cannot import them (some are not imported at all, others import as Int32 or as globals that
// strict concurrency rejects), so they are exposed as inline functions.
static inline hid_t chdf5_native_float(void) { H5open(); return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_native_double(void) { H5open(); return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_native_uint8(void) { H5open(); return H5T_NATIVE_UINT8; }
static inline hid_t chdf5_native_int32(void) { H5open(); return H5T_NATIVE_INT32; }
static inline hid_t chdf5_native_int64(void) { H5open(); return H5T_NATIVE_INT64; }
static inline hid_t chdf5_c_s1(void) { H5open(); return H5T_C_S1; }
static inline unsigned chdf5_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned chdf5_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned chdf5_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline hid_t chdf5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_s_all(void) { return H5S_ALL; }
static inline hid_t chdf5_p_dataset_create(void) { H5open(); return H5P_DATASET_CREATE; }
static inline hid_t chdf5_p_link_create(void) { H5open(); return H5P_LINK_CREATE; }
static inline hid_t chdf5_p_file_access(void) { H5open(); return H5P_FILE_ACCESS; }
// For Imaging's HDF5 datasets: error-stack control, unlimited extents, group creation properties.
static inline hid_t chdf5_e_default(void) { return H5E_DEFAULT; }
/// Stops HDF5 from printing its error stack to stderr; errors are read with H5Ewalk2 instead.
static inline herr_t chdf5_silence_errors(void) { H5open(); return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
static inline hsize_t chdf5_s_unlimited(void) { return H5S_UNLIMITED; }
static inline hid_t chdf5_p_group_create(void) { H5open(); return H5P_GROUP_CREATE; }
static inline hid_t chdf5_p_dataset_access(void) { H5open(); return H5P_DATASET_ACCESS; }
static inline hid_t chdf5_native_uint16(void) { H5open(); return H5T_NATIVE_UINT16; }
static inline hid_t chdf5_std_u8le(void) { H5open(); return H5T_STD_U8LE; }
static inline hid_t chdf5_std_i64le(void) { H5open(); return H5T_STD_I64LE; }
static inline hid_t chdf5_ieee_f64le(void) { H5open(); return H5T_IEEE_F64LE; }
