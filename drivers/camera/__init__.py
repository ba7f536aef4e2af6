"""Cameras: the face camera (人证比对, photos) and the document camera (高拍仪).

One family contract (:class:`drivers.camera.base.Camera`), a real driver on OpenCV's
VideoCapture and an in-process simulator that synthesises scenes the real analysis
(Haar face detection, page detection and warp) runs on.
"""
