"""Container images of function apps: the build context, the wheelhouse, the base host image and the engine.

One module a job:

- ``naming``: image references (name from the project folder, tag, registry);
- ``wheelhouse``: the app's requirements as wheels for the image's platform, built on the host with ``pip``;
- ``baked_metadata``: the function metadata computed on the host and baked into the image (file + label);
- ``context``: the build context as a tar (project files filtered by ``.dockerignore``, wheels, metadata);
- ``base_image``: the funchost host image (``Dockerfile.host``), built from this checkout when missing;
- ``image``: ``build_app_image`` / ``push_image``, the steps of ``funchost build``;
- ``docker_sdk``: the only module that imports the docker SDK (engine calls, ``.dockerignore`` matching);
- ``progress``: build and push output streamed to the terminal;
- ``pid1``: the image's entrypoint, a minimal init (signal forwarding, zombie reaping).

Nothing is imported here, so ``python -m funchost.deploy.pid1`` (PID 1 in every container) stays small.
"""
