#pragma once
// A public header that no layer lists: the layer check must refuse it.
